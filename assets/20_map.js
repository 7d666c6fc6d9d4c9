/* Map helpers for dash-leaflet GeoJSON layers (referenced as {"variable": "brain.*"}): markers coloured by
   state and clusters drawn locally, with no image or icon fetched from outside. */
window.brain = Object.assign({}, window.brain, {
  pointToLayer: function (feature, latlng) {
    var p = feature.properties || {};
    return L.circleMarker(latlng, {radius: p.radius || 8, color: p.stroke || '#ffffff', weight: 2,
                                   fillColor: p.color || '#0b5cad', fillOpacity: 0.92,
                                   className: 'mk mk-' + (p.kind || 'point') +
                                              (p.id ? ' mk-dev-' + String(p.id).replace(/[^A-Za-z0-9_-]/g, '') : '')});
  },
  clusterToLayer: function (feature, latlng, index, context) {
    var n = feature.properties.point_count;
    var size = n < 10 ? 30 : (n < 50 ? 38 : 46);
    var icon = L.divIcon({
      html: '<div style="width:' + size + 'px;height:' + size + 'px;line-height:' + size + 'px;border-radius:50%;' +
            'background:rgba(11,92,173,.85);color:#fff;text-align:center;font-weight:700;border:2px solid #fff">' +
            n + '</div>', className: '', iconSize: L.point(size, size)});
    return L.marker(latlng, {icon: icon});
  },
  markSelected: function (mapId, deviceId) {
    // after dash-leaflet has drawn the layer's new data, outline the selected device's marker
    var mark = function () {
      document.querySelectorAll('#' + mapId + ' path.mk').forEach(function (p) {
        p.classList.toggle('mk-selected', !!deviceId && p.classList.contains('mk-dev-' + deviceId));
      });
    };
    window.requestAnimationFrame(mark);
    window.setTimeout(mark, 250);
  },
  villageStyle: function (feature) {
    var p = feature.properties || {};
    return {color: p.selected ? '#d93025' : '#0b5cad', weight: p.selected ? 3 : 1.5, fillOpacity: p.selected ? 0.12 : 0.04,
            className: 'village village-' + String(feature.id || '').replace(/[^A-Za-z0-9_-]/g, '')};
  }
});

/* Alert buttons inside a popup are plain HTML: hand the click to the dialog every page has
   (components/alert_actions.py) through its store. Capture phase: Leaflet stops clicks inside a popup
   from bubbling up to the document. */
document.addEventListener('click', function (ev) {
  var b = ev.target.closest ? ev.target.closest('[data-alert-act]') : null;
  if (!b || !window.dash_clientside || !window.dash_clientside.set_props) { return; }
  ev.preventDefault();
  window.dash_clientside.set_props('shell-alert-request', {
    data: {id: b.getAttribute('data-alert-id'), action: b.getAttribute('data-alert-act'), at: Date.now()}});
}, true);
