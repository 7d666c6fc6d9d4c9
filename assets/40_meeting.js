/* The weekly meeting (/meeting): ArrowRight/PageDown and ArrowLeft/PageUp walk the agenda, as a presenter's
   clicker sends them. Keys typed into a field stay in the field. The buttons do the work (a Dash callback). */
(function () {
  var NEXT = {ArrowRight: 'mtg-next', PageDown: 'mtg-next', ArrowLeft: 'mtg-prev', PageUp: 'mtg-prev'};
  document.addEventListener('keydown', function (e) {
    var id = NEXT[e.key];
    if (!id || e.altKey || e.ctrlKey || e.metaKey) { return; }
    var el = e.target;
    if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) { return; }
    var btn = document.getElementById(id);
    if (!btn) { return; }
    e.preventDefault();
    btn.click();
  });
})();
