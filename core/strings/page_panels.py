"""Strings of the panels the pages are made of (environment, security, feedback, digital, services)."""

STRINGS = {
    "env.col_pollutant": ("Chất ô nhiễm", "Pollutant"),
    "env.col_subindex": ("Chỉ số phụ", "Sub-index"),
    "env.col_band": ("Mức", "Band"),
    "env.dominant_short": ("chất ô nhiễm chính", "dominant"),
    "env.measured_at": ("đo lúc {time}", "measured {time}"),
    "col.hotspot": ("Điểm Wi-Fi", "Hotspot"),
    "col.users_now": ("Hiện tại", "Now"),
}
