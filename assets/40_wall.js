/* The wall's rotation, clock, chart text size and alarm sound (pages/wall.py).
 *
 * Rotation runs here, once a second, so a slide's duration does not depend on the server: the playlist of
 * the local hour (Asia/Ho_Chi_Minh) is chosen, the current step advances when its own duration is over,
 * and the server is asked to draw a slide only when the step changes. While an alarm holds the wall the
 * clock of the slide stops, so the playlist resumes exactly where it was.
 */
(function () {
  function localHour(now) {
    var h = new Intl.DateTimeFormat('en-GB', {timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', hour12: false})
      .format(now);
    return parseInt(h, 10) % 24;
  }

  function activePlaylist(playlists, hour) {
    var timed = playlists.filter(function (p) {
      if (!p.hours) { return false; }
      var a = p.hours[0], b = p.hours[1];
      return a <= b ? (hour >= a && hour < b) : (hour >= a || hour < b);
    });
    if (timed.length) { return timed[0]; }
    return playlists.filter(function (p) { return !p.hours; })[0] || playlists[0];
  }

  // When is a slide "drawn"? The server's slide carries data-step="<playlist>:<step>"; it is drawn when that
  // box is in place, nothing in it is loading, every panel slot has its content and every chart has its
  // SVG at the wall's text size. The time from the switch to that moment is kept (the last 100 switches)
  // in window.brainWall.draws, and <body data-wall-drawn="<playlist>:<step>"> marks it, for the benchmark
  // (bench/: every slide drawn within 2 s) and the browser tests to wait on.
  var drawn = {
    key: null, at: 0, asked: 0, retries: 0, done: true, count: 0, switches: 0, draws: [],
    switched: function (key) {
      this.key = key; this.at = this.asked = performance.now(); this.retries = 0; this.done = false; this.switches += 1;
      document.body.removeAttribute('data-wall-drawn');
      this.check();
    },
    stuck: function (ms) { return !this.done && this.key && performance.now() - this.asked > ms; },
    retried: function () { this.asked = performance.now(); this.retries += 1; },
    check: function () {
      if (this.done || !this.key) { return; }
      var box = null;
      document.querySelectorAll('#wall-slide > [data-step]').forEach(function (el) {
        if (el.getAttribute('data-step') === drawn.key) { box = el; }
      });
      if (!box || box.querySelector('[data-dash-is-loading="true"]')) { return; }
      // a page laid out for a laptop has callbacks of its own, not slots: wait until no callback is pending
      if (box.classList.contains('wall-page-slide') && document.querySelector('._dash-loading-callback')) { return; }
      var bodies = box.querySelectorAll('.panel-body');
      for (var i = 0; i < bodies.length; i++) { if (!bodies[i].firstElementChild) { return; } }
      var graphs = box.querySelectorAll('.dash-graph');
      var size = chartTextSize();
      for (var j = 0; j < graphs.length; j++) {
        var gd = graphs[j].querySelector('.js-plotly-plot');
        if (!gd || !gd.querySelector('.main-svg') || !gd._fullLayout) { return; }
        if (box.classList.contains('wall-grid') && !chartScaled(gd, size)) { return; }
      }
      this.done = true;
      this.count += 1;
      var entry = {n: this.switches, key: this.key, ms: Math.round(performance.now() - this.at), retries: this.retries};
      this.draws.push(entry);
      if (this.draws.length > 100) { this.draws.shift(); }   // weeks on a wall: keep memory flat
      document.body.setAttribute('data-wall-drawn', this.key);
    }
  };
  window.brainWall = {
    draws: function () { return drawn.draws.slice(); },
    count: function () { return drawn.count; },
    switches: function () { return drawn.switches; },
    pending: function () { return drawn.done ? null : {key: drawn.key, ms: Math.round(performance.now() - drawn.at)}; }
  };

  var RETRY_MS = 10000;
  function chartTextSize() { return Math.round(window.innerHeight * 0.02); }

  var ns = window.dash_clientside = window.dash_clientside || {};
  ns.wall = {
    rotate: function (_n, config, pos, current, alarms) {
      var noUpdate = window.dash_clientside.no_update;
      if (!config || !config.playlists || !config.playlists.length) { return [noUpdate, noUpdate, noUpdate]; }
      var now = Date.now();
      // a test or an operator can pin the clock: ?wall_hour=23
      var forced = new URLSearchParams(window.location.search).get('wall_hour');
      var hour = forced !== null && /^\d{1,2}$/.test(forced) ? parseInt(forced, 10) % 24 : localHour(new Date(now));
      var playlist = activePlaylist(config.playlists, hour);
      var held = !!(alarms && alarms.ids && alarms.ids.length);
      if (!pos || typeof pos !== 'object') {
        // a screen can start at a given step (?wall_step=3), e.g. to check one slide
        var first = new URLSearchParams(window.location.search).get('wall_step');
        pos = {playlist: playlist.name, step: first !== null && /^\d{1,3}$/.test(first) ? parseInt(first, 10) : 0,
               started: now, paused: null};
      } else {
        pos = Object.assign({}, pos);
      }
      if (held) {
        if (!pos.paused) { pos.paused = now; }
        return [pos, noUpdate, noUpdate];
      }
      if (pos.paused) { pos.started += now - pos.paused; pos.paused = null; }
      if (pos.playlist !== playlist.name) { pos = {playlist: playlist.name, step: 0, started: now, paused: null}; }
      var steps = playlist.steps;
      var step = steps[pos.step % steps.length];
      if (now - pos.started >= step.duration * 1000) {
        pos.step = (pos.step + 1) % steps.length;
        pos.started = now;
        step = steps[pos.step];
      }
      var left = Math.max(0, step.duration * 1000 - (now - pos.started));
      var width = (100 * left / (step.duration * 1000)).toFixed(1) + '%';
      var next = {playlist: playlist.name, step: pos.step};
      var same = current && current.playlist === next.playlist && current.step === next.step;
      document.body.setAttribute('data-wall-step', playlist.name + ':' + pos.step);
      if (!same) {
        drawn.switched(playlist.name + ':' + pos.step);
      } else {
        drawn.check();
        // a slide asked for while the server was away (or whose panels failed) never arrives: once the
        // connection is back, ask again rather than show a grey or half-empty slide until the next switch
        if (drawn.stuck(RETRY_MS) && !document.body.classList.contains('disconnected')) {
          drawn.retried();
          return [pos, Object.assign({}, next, {retry: (current.retry || 0) + 1}), {width: width}];
        }
      }
      return [pos, same ? noUpdate : next, {width: width}];
    },
    clock: function () {
      var now = new Date();
      var parts = {};
      new Intl.DateTimeFormat('vi-VN', {timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit',
                                        hour12: false}).formatToParts(now).forEach(function (p) { parts[p.type] = p.value; });
      var lang = document.documentElement.getAttribute('lang') === 'en' ? 'en-GB' : 'vi-VN';
      var date = new Intl.DateTimeFormat(lang, {timeZone: 'Asia/Ho_Chi_Minh', weekday: 'long', day: '2-digit',
                                                month: '2-digit', year: 'numeric'}).format(now);
      return [parts.hour + ':' + parts.minute, date];
    },
    sound: function (alarms) {
      var audio = document.getElementById('wall-sound');
      var on = !!(alarms && alarms.ids && alarms.ids.length && alarms.sound !== false);
      if (!audio) { return window.dash_clientside.no_update; }
      if (on) {
        audio.currentTime = 0;
        var played = audio.play();
        if (played && played.catch) {
          // Chromium refuses sound before a user gesture unless started with
          // --autoplay-policy=no-user-gesture-required (README: "The wall")
          played.catch(function () { audio.setAttribute('data-blocked', 'true'); });
        }
        return 'playing';
      }
      audio.pause();
      return 'silent';
    }
  };

  // Chart text on the wall follows the screen: ~2 % of its height (≥ 1.8 vh for ticks), at 1080p and 4K alike.
  // The sizes as plotly.js attribute paths, for a chart of this box and layout.
  function wallSizes(gd, layout) {
    var size = chartTextSize();
    var update = {'font.size': size, 'legend.font.size': size, 'xaxis.tickfont.size': size, 'yaxis.tickfont.size': size,
                  // a tick every ~3 lines of text: at 4K a short chart otherwise crowds its labels together
                  'yaxis.nticks': Math.max(3, Math.floor(gd.clientHeight / (size * 3)))};
    if (hasTitle(layout)) {
      update['title.font.size'] = Math.round(size * 1.15);
      update['margin.t'] = Math.round(size * 2.4);     // room for the title above the plot, not over the panel head
    }
    (layout.annotations || []).forEach(function (_a, i) {   // threshold and band labels
      update['annotations[' + i + '].font.size'] = Math.round(size * 0.9);
    });
    return update;
  }
  // A figure arrives with the server's sizes (it does not know the screen). On the wall it is given the wall's
  // before plotly.js draws it, so every chart is drawn once, at its size: the figure drawn then redrawn a
  // frame later meant a flash of small text on every slide and refresh, and twice the drawing on the wall's PC.
  function withWallSizes(gd, layout) {
    var sized = Object.assign({}, layout || {});
    var update = wallSizes(gd, sized);
    if (typeof sized.title === 'string') { sized.title = {text: sized.title}; }
    Object.keys(update).forEach(function (path) {
      var keys = path.replace(/\[(\d+)\]/g, '.$1').split('.');
      var at = sized;
      for (var i = 0; i < keys.length - 1; i++) {   // copy each object on the way: the figure is Dash's props
        var next = at[keys[i]];
        next = Array.isArray(next) ? next.slice() : Object.assign({}, next || {});
        at[keys[i]] = next;
        at = next;
      }
      at[keys[keys.length - 1]] = update[path];
    });
    return sized;
  }
  function onWall(gd) {
    var el = typeof gd === 'string' ? document.getElementById(gd) : gd;
    return !!(el && el.closest && el.closest('.wall'));
  }
  window.brainWhenPlotly && window.brainWhenPlotly(function (Plotly) {
    ['newPlot', 'react'].forEach(function (name) {
      var draw = Plotly[name];
      Plotly[name] = function (gd, data, layout) {
        if (!onWall(gd)) { return draw.apply(this, arguments); }
        var el = typeof gd === 'string' ? document.getElementById(gd) : gd;
        var args = Array.prototype.slice.call(arguments);
        if (data && !Array.isArray(data) && typeof data === 'object') {      // (gd, {data, layout, config, frames})
          args[1] = Object.assign({}, data, {layout: withWallSizes(el, data.layout)});
        } else {                                                           // (gd, data, layout, config)
          args[2] = withWallSizes(el, layout);
        }
        return draw.apply(this, args);
      };
    });
  });
  // After a change of window size (or a chart drawn before the above was in place) the drawn charts are resized.
  function scaleCharts() {
    if (!window.Plotly) { return; }
    var size = chartTextSize();
    document.querySelectorAll('.wall .js-plotly-plot').forEach(function (gd) {
      // compare with the drawn layout, not a flag (at 1920x1080 the server's base font is already the wall's,
      // while its title and band labels are not)
      if (!gd.layout || (chartScaled(gd, size) && !gd.__wallRescale)) { return; }
      gd.__wallRescale = false;
      window.Plotly.relayout(gd, wallSizes(gd, gd.layout));
    });
  }
  function hasTitle(layout) {
    var title = layout.title;
    return !!(title && (typeof title === 'string' || title.text));
  }
  function chartScaled(gd, size) {
    var layout = gd.layout;
    if (!layout || !layout.font || layout.font.size !== size) { return false; }
    if (hasTitle(layout) && !(layout.title.font && layout.title.font.size === Math.round(size * 1.15))) { return false; }
    return (layout.annotations || []).every(function (a) { return a.font && a.font.size === Math.round(size * 0.9); });
  }
  // A page shown as a slide was laid out for a laptop: it is scaled down to fit one screen (slides made
  // of panels are the ones built to be read from five metres).
  function fitPages() {
    document.querySelectorAll('.wall .wall-page-slide').forEach(function (box) {
      var inner = box.firstElementChild;
      if (!inner) { return; }
      inner.style.transform = '';
      inner.style.width = '';
      var scale = Math.min(1, box.clientHeight / Math.max(1, inner.scrollHeight));
      if (scale < 1) {
        inner.style.transformOrigin = '0 0';
        inner.style.transform = 'scale(' + scale.toFixed(3) + ')';
        inner.style.width = (100 / scale).toFixed(2) + '%';
      }
    });
  }
  var pending = false;
  var observer = new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; scaleCharts(); fitPages(); drawn.check(); });
  });
  document.addEventListener('DOMContentLoaded', function () {
    observer.observe(document.body, {childList: true, subtree: true});
  });
  window.addEventListener('resize', function () {
    document.querySelectorAll('.wall .js-plotly-plot').forEach(function (gd) { gd.__wallRescale = true; });
    scaleCharts();
    fitPages();
  });

  // Dash keeps an undo history of every change to a callback input and never trims it (plotly/dash#727,
  // open): each tick of an Interval is one more entry, three a second on the wall (its tick, its alarm poll,
  // the shell's clock), 260,000 a day, and each new entry copies the whole list. Weeks without a reload
  // need it short; nothing here uses undo (the toolbar is hidden), so the newest entries are dropped with
  // the renderer's own REVERT action, which touches the history and nothing else. Every page loads this
  // file, so laptops left open for days get the same.
  var HISTORY_KEEP = 20, HISTORY_MAX = 40;
  function trimHistory() {
    (window.dash_stores || []).forEach(function (store) {
      var state = store.getState();
      var past = state && state.history && state.history.past;
      if (!past || past.length <= HISTORY_MAX) { return; }
      for (var i = past.length; i > HISTORY_KEEP; i--) { store.dispatch({type: 'REVERT'}); }
    });
  }
  setInterval(trimHistory, 15000);
  window.brainWall.historyLength = function () {
    var store = (window.dash_stores || [])[0];
    return store ? store.getState().history.past.length : null;
  };
})();
