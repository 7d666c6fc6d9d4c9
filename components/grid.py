"""The list grids (alerts, citizens' reports): one row selected by a click, paged, and AG Grid's own
words (pager, empty list, filters) in the viewer's language."""
from __future__ import annotations

import dash_ag_grid as dag

# AG Grid localeText keys for what these grids show; the rest keeps AG Grid's English.
_LOCALE = {
    "vi": {"page": "Trang", "of": "trên", "to": "đến", "more": "nhiều hơn", "next": "Trang sau",
           "last": "Trang cuối", "first": "Trang đầu", "previous": "Trang trước", "loadingOoo": "Đang tải...",
           "noRowsToShow": "Không có dữ liệu", "pageSizeSelectorLabel": "Số dòng mỗi trang:",
           "filterOoo": "Lọc...", "contains": "Chứa", "equals": "Bằng", "notEqual": "Khác",
           "startsWith": "Bắt đầu bằng", "endsWith": "Kết thúc bằng", "blank": "Trống", "notBlank": "Không trống",
           "andCondition": "VÀ", "orCondition": "HOẶC", "sortAscending": "Sắp xếp tăng dần",
           "sortDescending": "Sắp xếp giảm dần", "ariaRowSelect": "Chọn dòng",
           "pinColumn": "Ghim cột", "autosizeThisColumn": "Tự co giãn cột này", "resetColumns": "Đặt lại cột"},
    "en": {"noRowsToShow": "No data"},
}


def grid_locale(lang: str) -> dict:
    return dict(_LOCALE.get(lang, _LOCALE["en"]))


def list_grid(id: str, lang: str, page_size: int, height: str, **kw) -> dag.AgGrid:
    options = {"rowSelection": {"mode": "singleRow", "enableClickSelection": True, "checkboxes": False},
               "pagination": True, "paginationPageSize": page_size,
               "paginationPageSizeSelector": [page_size, page_size * 2, page_size * 5], "localeText": grid_locale(lang)}
    return dag.AgGrid(id=id, columnSize="responsiveSizeToFit", dashGridOptions=options, style={"height": height}, **kw)
