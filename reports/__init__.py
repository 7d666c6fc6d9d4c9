"""Exports and the weekly report, built on the panels (one definition of each number, whatever renders
it): a chart as PNG/SVG/PDF drawn on the server by kaleido with one persistent Chromium, the data behind
a panel as CSV/XLSX, and the weekly report as a Decree 30/2020/NĐ-CP PDF plus an XLSX workbook.

Every file carries the same metadata (`meta.ExportMeta`): title, unit, period, scope, data source,
commune, generation time in Asia/Ho_Chi_Minh and "Dữ liệu mô phỏng" where the data is simulated."""
