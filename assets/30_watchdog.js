/* Connection watchdog: a page left on a wall must never show old values as if they were live.
 *
 * Two signals: every Dash callback request (window.fetch to _dash-update-component) and a light ping
 * of /healthz every PING_MS. A network failure or a 5xx on either, confirmed by a failed ping, puts the
 * page in the disconnected state: a banner "Mất kết nối – dữ liệu lúc hh:mm" (the time of the last
 * answer that arrived) and every value greyed. When the server answers again the page leaves that
 * state by itself and asks every live callback to refresh (it bumps shell-tick), with no reload.
 */
(function () {
  var PING_MS = 10000, TIMEOUT_MS = 6000;
  var lastGood = Date.now(), disconnected = false, pinging = false;
  var nativeFetch = window.fetch.bind(window);
  var TEXT = {
    vi: {lost: 'Mất kết nối – dữ liệu lúc ', back: 'Đã kết nối lại'},
    en: {lost: 'Connection lost – data as of ', back: 'Reconnected'}
  };

  function lang() { return document.documentElement.getAttribute('lang') === 'en' ? 'en' : 'vi'; }

  function clock(ms) {
    var parts = new Intl.DateTimeFormat('vi-VN', {timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit',
                                                  hour12: false}).formatToParts(new Date(ms));
    var g = {};
    parts.forEach(function (p) { g[p.type] = p.value; });
    return g.hour + ':' + g.minute;
  }

  function banner() {
    var el = document.getElementById('shell-watchdog');
    if (!el) {   // pages without the shell (the wall) get one too
      el = document.createElement('div');
      el.id = 'shell-watchdog';
      el.className = 'watchdog';
      el.setAttribute('role', 'alert');
      document.body.appendChild(el);
    }
    return el;
  }

  function setDisconnected(on) {
    if (on === disconnected) { return; }
    disconnected = on;
    document.body.classList.toggle('disconnected', on);
    var el = banner();
    if (on) {
      el.textContent = TEXT[lang()].lost + clock(lastGood);
      el.hidden = false;
    } else {
      el.hidden = true;
      el.textContent = '';
      refresh();
    }
  }

  function refresh() {
    // every live callback listens to shell-tick: one bump redraws what changed while we were away
    try {
      var tick = document.getElementById('shell-tick');
      if (window.dash_clientside && dash_clientside.set_props && tick) {
        dash_clientside.set_props('shell-tick', {n_intervals: Date.now() % 1000000000});
      }
    } catch (e) { /* the next interval refreshes anyway */ }
  }

  function ping() {
    if (pinging) { return; }
    pinging = true;
    var ctrl = new AbortController();
    var timer = setTimeout(function () { ctrl.abort(); }, TIMEOUT_MS);
    nativeFetch('/healthz', {cache: 'no-store', signal: ctrl.signal, credentials: 'same-origin'})
      .then(function (r) {
        if (r.ok) { lastGood = disconnected ? lastGood : Date.now(); setDisconnected(false); }
        else { setDisconnected(true); }
      })
      .catch(function () { setDisconnected(true); })
      .finally(function () { clearTimeout(timer); pinging = false; });
  }

  window.fetch = function (input, init) {
    var url = typeof input === 'string' ? input : (input && input.url) || '';
    var watched = url.indexOf('_dash-update-component') !== -1;
    var p = nativeFetch(input, init);
    if (!watched) { return p; }
    return p.then(function (r) {
      if (r.status >= 500 || r.status === 0) { ping(); }
      else if (!disconnected) { lastGood = Date.now(); }
      return r;
    }, function (err) { ping(); throw err; });
  };

  window.brainWatchdog = {state: function () { return {disconnected: disconnected, lastGood: lastGood}; }};
  setInterval(ping, PING_MS);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) { ping(); } });
})();
