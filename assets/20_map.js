/* Map helpers for dash-leaflet GeoJSON layers (referenced as {"variable": "brain.*"}): markers coloured by
   state and clusters drawn locally, with no image or icon fetched from outside. */
window.brain = Object.assign({}, window.brain, {
  pointToLayer: function (feature, latlng) {
    var p = feature.properties || {};
    return L.circleMarker(latlng, {radius: p.radius || 8, color: p.stroke || '#ffffff', weight: 2,
                                   fillColor: p.color || '#0b5cad', fillOpacity: 0.92,
                                   className: 'mk mk-' + (p.kind || 'point')});
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
  villageStyle: function (feature) {
    var p = feature.properties || {};
    return {color: p.selected ? '#d93025' : '#0b5cad', weight: p.selected ? 3 : 1.5, fillOpacity: p.selected ? 0.12 : 0.04};
  }
});
