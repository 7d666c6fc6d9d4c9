"""What a number covers (period and scope, on every card), the 766 published score against our estimate,
and the data-quality cross-checks of the Data page."""
STRINGS = {
    "cover.months": ("Các tháng {first}–{last} · {scope}", "Months {first}–{last} · {scope}"),
    "cover.month": ("Tháng {period} · {scope}", "Month {period} · {scope}"),
    "cover.range": ("Từ {start} đến {end} · {scope}", "{start} to {end} · {scope}"),
    "cover.now": ("Hiện tại · {scope}", "Now · {scope}"),
    "cover.this_week": ("Tuần này, từ Thứ Hai · {scope}", "This week, from Monday · {scope}"),
    "cover.commune": ("toàn xã", "whole commune"),
    "cover.village": ("{name}", "{name}"),
    "cover.all_unresolved": ("mọi phản ánh chưa xử lý", "all unresolved reports"),
    "cover.received_in": ("phản ánh nhận trong kỳ đã chọn", "reports received in the selected period"),
    "cover.rolling_24h": ("24 giờ liền trước, không theo ngày lịch", "the 24 hours up to now, not calendar days"),
    "cover.whole_days": ("mỗi cột một ngày lịch", "one bar per calendar day"),
    "cover.days_to_now": ("mỗi cột một ngày lịch, hôm nay tính đến hiện tại", "one bar per calendar day, today up to now"),
    "cover.hotspots": ("có số liệu trong 1 giờ qua", "data in the last hour"),
    "svc.766_published": ("Điểm 766 (tỉnh công bố)", "766 score (published by the province)"),
    "svc.766_estimate": ("Điểm 766 (ước tính từ số liệu xã)", "766 score (estimated from the commune's data)"),
    "svc.766_estimate_unit": ("/ {possible} điểm", "/ {possible} points"),
    "svc.766_difference": (
        "Tỉnh công bố {published} điểm (tháng {month}); ước tính từ số liệu của xã được {estimate} trên {possible} "
        "điểm mà nguồn dữ liệu có ({start}–{end}). {uncovered} điểm còn lại (Công khai, minh bạch và các chỉ tiêu "
        "thành phần xã không có số liệu) chỉ tỉnh chấm, nên hai con số khác nhau là bình thường.",
        "The province published {published} points (month {month}); estimated from the commune's data: {estimate} of "
        "the {possible} points our feeds cover ({start}–{end}). The other {uncovered} points (publicity and "
        "sub-indicators we have no data for) only the province scores, so the two numbers legitimately differ."),
    "svc.766_col_group": ("Nhóm", "Group"), "svc.766_col_max": ("Tối đa", "Max"),
    "svc.766_col_score": ("Điểm ước tính", "Estimated"), "svc.766_col_subs": ("Chỉ tiêu thành phần: tỷ lệ / ngưỡng đủ điểm → điểm", "Sub-indicators: rate / full-marks threshold → points"),
    "svc.766_weights": (
        "Trọng số theo Quyết định 766/QĐ-TTg: 2.1 = 20 điểm, 5.4 = 6/18 điểm (hồ sơ TTHC: 100 % − tỷ lệ quá hạn − tỷ lệ bị "
        "phản ánh, đủ điểm từ 90 %); phần điểm chưa công bố chia đều cho các chỉ tiêu thành phần có số liệu.",
        "Weights per Decision 766/QĐ-TTg: 2.1 = 20 points, 5.4 = 6 of 18 (administrative dossiers: 100 % − overdue rate − "
        "complaint rate, full marks at 90 %); points whose split is not published are shared by the sub-indicators with data."),
    "xcheck.title": ("Kiểm tra chéo số liệu", "Data cross-checks"),
    "xcheck.intro": (
        "Hệ thống tự đối chiếu các con số với nhau: số của xã phải nằm trong khoảng của các thôn, chỉ số tổng hợp phải "
        "khớp thành phần, số cộng dồn không được giảm, thiết bị không được đứng số hay ngừng gửi khi nguồn vẫn hoạt động.",
        "The product checks its numbers against each other: a commune figure lies within its villages' range, a "
        "composite agrees with its components, a running count never falls, a device neither sticks nor stops while "
        "its source answers."),
    "xcheck.none": ("Không phát hiện mâu thuẫn.", "No inconsistency found."),
    "xcheck.col_check": ("Kiểm tra", "Check"), "xcheck.col_subject": ("Đối tượng", "Subject"),
    "xcheck.col_when": ("Kỳ / thời điểm", "Period / time"), "xcheck.col_detail": ("Chi tiết", "Detail"),
    "xcheck.commune_outside_villages": ("Số của xã ngoài khoảng các thôn", "Commune figure outside its villages' range"),
    "xcheck.commune_outside_villages.detail": (
        "Xã {value}, trong khi {villages} thôn từ {low} đến {high}",
        "Commune {value} while its {villages} villages range {low} to {high}"),
    "xcheck.rate_vs_parts": ("Tỷ lệ không khớp tử số/mẫu số", "Rate disagrees with its parts"),
    "xcheck.rate_vs_parts.detail": ("Báo {value}, tính từ {numerator}/{denominator} được {computed}",
                                     "Reported {value}, {numerator}/{denominator} gives {computed}"),
    "xcheck.composite_766": ("Điểm 766 không khớp thành phần", "766 score disagrees with its components"),
    "xcheck.composite_766.detail": (
        "Công bố {value}; từ các thành phần cùng tháng phải trong khoảng {low}–{high} (ước tính {estimate}/{possible})",
        "Published {value}; the same month's components allow {low}–{high} (estimate {estimate}/{possible})"),
    "xcheck.counter_backwards": ("Số cộng dồn bị giảm", "Running count went down"),
    "xcheck.counter_backwards.detail": ("{before} ({previous_period}) giảm còn {value}", "{before} ({previous_period}) down to {value}"),
    "xcheck.flat_series": ("Số đo không đổi quá lâu", "Readings flat for too long"),
    "xcheck.flat_series.detail": ("{parameter} = {value} suốt {hours} giờ", "{parameter} = {value} for {hours} hours"),
    "xcheck.device_stopped": ("Thiết bị ngừng gửi khi nguồn vẫn hoạt động", "Device stopped while its source is up"),
    "xcheck.device_stopped.detail": ("Không có số đo {hours} giờ; nguồn {source} vẫn trả lời",
                                     "No reading for {hours} hours; source {source} still answers"),
}
