"""Messages about refused input: oversized or malformed requests, URL parameters, unknown pages, uploads."""
STRINGS = {
    "error.body_too_large": ("Yêu cầu quá lớn, máy chủ không nhận.", "The request is too large; the server refused it."),
    "error.bad_request": ("Yêu cầu không hợp lệ, máy chủ không xử lý.", "The request is malformed; the server did not process it."),
    "error.repeated_param": ("Tham số “{name}” xuất hiện nhiều lần trong địa chỉ; đã dùng giá trị mặc định.",
                             "Parameter “{name}” appears more than once in the address; the default is used."),
    "error.bad_alert_id": ("Mã cảnh báo không hợp lệ: {value}", "Invalid alert number: {value}"),
    "notfound.title": ("Không tìm thấy trang", "Page not found"),
    "notfound.body": ("Địa chỉ này không có trang nào. Hãy kiểm tra lại đường dẫn hoặc quay về trang tổng quan.",
                      "There is no page at this address. Check the link or go back to the overview."),
    "notfound.home": ("Về trang tổng quan", "Back to the overview"),
    "fb.no_description": ("(không có mô tả)", "(no description)"),
    "data.duplicates": ("{n} dòng trùng chỉ tiêu, phạm vi và kỳ với một dòng sau trong tệp (dòng sau được dùng).",
                        "{n} rows repeat the indicator, scope and period of a later row in the file (the later row is used)."),
}
