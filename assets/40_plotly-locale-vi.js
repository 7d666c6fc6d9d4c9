/* plotly.js `vi` locale. `format` is vendored from plotly.js-locales 3.7.0 (vi.js, MIT, Plotly, Inc.);
   its `dictionary` ships empty, so the mode bar's words are translated here (ours). plotly.js runs after
   this file (a chart page starts it with `defer`; other pages load it when a chart first needs it), so the
   locale is registered on the Plotly that plotly.js sets on window (below). */
(function () {
  var locale = {
    moduleType: 'locale',
    name: 'vi',
    dictionary: {
      'Autoscale': 'Tự động co giãn',
      'Box Select': 'Chọn vùng chữ nhật',
      'Compare data on hover': 'So sánh dữ liệu khi rê chuột',
      'Double-click on legend to isolate one trace': 'Nháy đúp vào chú giải để chỉ xem một đường',
      'Double-click to zoom back out': 'Nháy đúp để thu nhỏ lại',
      'Download plot as a PNG': 'Tải biểu đồ về (PNG)',
      'Download plot': 'Tải biểu đồ về',
      'Download plot as JSON': 'Tải biểu đồ về (JSON)',
      'Image download succeeded': 'Đã tải ảnh về',
      'JSON download succeeded': 'Đã tải tệp JSON về',
      'Lasso Select': 'Chọn tự do',
      'Pan': 'Kéo',
      'Preparing image - this may take a few seconds': 'Đang tạo ảnh, xin chờ vài giây',
      'Reset': 'Đặt lại',
      'Reset axes': 'Đặt lại trục',
      'Reset view': 'Đặt lại khung nhìn',
      'Reset views': 'Đặt lại khung nhìn',
      'Show closest data on hover': 'Hiện dữ liệu gần nhất khi rê chuột',
      'Sorry, there was a problem downloading your image!': 'Không tải được ảnh, xin thử lại.',
      'Sorry, there was a problem downloading your JSON file!': 'Không tải được tệp JSON, xin thử lại.',
      'Toggle Spike Lines': 'Bật/tắt đường dóng',
      'Toggle show closest data on hover': 'Bật/tắt hiện dữ liệu khi rê chuột',
      'Zoom': 'Phóng to vùng chọn',
      'Zoom in': 'Phóng to',
      'Zoom out': 'Thu nhỏ',
      'trace': 'đường',
      'new text': 'chữ mới'
    },
    format: {
      days: ['Chủ Nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'],
      shortDays: ['CN', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7'],
      months: ['Tháng Một', 'Tháng Hai', 'Tháng Ba', 'Tháng Tư', 'Tháng Năm', 'Tháng Sáu', 'Tháng Bảy',
               'Tháng Tám', 'Tháng Chín', 'Tháng Mười', 'Tháng Mười Một', 'Tháng Mười Hai'],
      shortMonths: ['Tháng 1', 'Tháng 2', 'Tháng 3', 'Tháng 4', 'Tháng 5', 'Tháng 6',
                    'Tháng 7', 'Tháng 8', 'Tháng 9', 'Tháng 10', 'Tháng 11', 'Tháng 12'],
      date: '%d/%m/%Y'
    }
  };
  // plotly.js can run twice on a chart page: the page starts it early (`defer`, app.py CHART_PAGES), and dcc's
  // Graph, when it mounts before that copy has run, adds a second <script> for it (its loader looks at
  // window.Plotly only). Each run builds a new Plotly with an empty locale registry, and the second one's
  // `window.Plotly = Plotly` left the charts without this locale (the mode bar in English). So window.Plotly
  // keeps the first copy that arrives (a later one's assignment is ignored: every chart is drawn by the same
  // copy), and this locale is registered on it however and whenever it arrives.
  // Other files may ask for that copy before any chart is drawn with it: window.brainWhenPlotly(fn) calls fn
  // with it as soon as it is there (at once if it already is), before plotly.js's own code returns.
  var kept = window.Plotly && window.Plotly.register ? window.Plotly : undefined;
  var waiting = [];
  function arrived(value) {
    kept = value;
    kept.register(locale);
    waiting.splice(0).forEach(function (fn) { fn(kept); });
  }
  window.brainWhenPlotly = function (fn) {
    if (kept) { fn(kept); } else { waiting.push(fn); }
  };
  if (kept) { arrived(kept); }
  Object.defineProperty(window, 'Plotly', {
    configurable: true,
    enumerable: true,
    get: function () { return kept; },
    set: function (value) {
      if (kept || !value || !value.register) { return; }
      arrived(value);
    }
  });
})();
