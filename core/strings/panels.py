"""Panels (pages, the wall, exports): column headers and messages of the panel layer."""
STRINGS = {
    "col.severity": ("Mức độ", "Severity"),
    "col.alert": ("Cảnh báo", "Alert"),
    "col.opened": ("Mở lúc", "Opened"),
    "error.unknown_panel": ("Không có ô số liệu này: {value}", "No such panel: {value}"),
    "ops.more_alerts": ("và {n} cảnh báo khác", "and {n} more"),
}
