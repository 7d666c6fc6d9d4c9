"""The city page (/city): the communes side by side."""
STRINGS = {
    "city.title": ("Toàn thành phố – các xã", "City – the communes"),
    "city.subtitle": ("Các xã bạn được xem, cạnh nhau: mỗi số là số của trang xã đó (cùng một định nghĩa).",
                      "The communes you may see, side by side: each figure is the one on that commune's pages "
                      "(one definition)."),
    "city.map": ("Bản đồ các xã", "Map of the communes"),
    "city.table": ("So sánh các xã", "The communes compared"),
    "city.covers": ("Phản ánh đúng hạn và chỉ số 766: từ {start} đến {end}. Quá hạn, VN_AQI, mức lũ, nguồn mất "
                    "kết nối: hiện tại. Phạm vi: {n} xã.",
                    "Reports on time and the 766 index: {start} to {end}. Overdue, VN_AQI, flood level, sources "
                    "down: now. Scope: {n} communes."),
    "city.col_commune": ("Xã", "Commune"),
    "city.col_on_time": ("Phản ánh đúng hạn", "Reports on time"),
    "city.col_overdue": ("Phản ánh quá hạn (hiện tại)", "Reports overdue (now)"),
    "city.col_766": ("Chỉ số 766 (ước tính)", "766 index (estimate)"),
    "city.col_aqi": ("VN_AQI hiện tại", "VN_AQI now"),
    "city.col_flood": ("Mức lũ hiện tại", "Flood level now"),
    "city.col_down": ("Nguồn mất kết nối", "Sources down"),
    "city.below_alarm": ("Dưới BĐ I", "Below alarm I"),
    "city.open": ("Mở trang tổng quan của xã", "Open the commune's overview"),
    "city.simulated": ("mô phỏng", "simulated"),
    "city.none": ("Tài khoản này chưa được xem xã nào.", "This account may not see any commune yet."),
    "unit.sources_of": ("/ {n} nguồn", "of {n}"),
}
