/* The export menu of a page's panel (layouts/panel_view.py, export_menu): the panel's button carries the five
   links (data-png ... data-xlsx) and the two headings; a click opens a menu of plain links under it, outside
   the page's React tree (attached to <body>), so redrawing the panel never meets it. A link's download leaves
   the page where it is; a click elsewhere, Escape, scrolling the menu away or resizing closes it.
   Every text is set with textContent: nothing here is parsed as HTML. */
(function () {
  var FORMATS = [['png', 'PNG'], ['svg', 'SVG'], ['pdf', 'PDF'], ['csv', 'CSV'], ['xlsx', 'XLSX']];
  var open = null;    // {menu, button}

  function close() {
    if (!open) { return null; }
    var button = open.button;
    open.menu.remove();
    button.setAttribute('aria-expanded', 'false');
    open = null;
    return button;
  }

  function heading(text) {
    var h = document.createElement('h6');
    h.className = 'dropdown-header';
    h.textContent = text || '';
    return h;
  }

  function show(button) {
    var menu = document.createElement('div');
    menu.className = 'dropdown-menu show panel-export-menu';
    menu.setAttribute('role', 'menu');
    menu.appendChild(heading(button.dataset.images));
    FORMATS.forEach(function (f) {
      if (f[0] === 'csv') { menu.appendChild(heading(button.dataset.data)); }
      var link = document.createElement('a');
      link.className = 'dropdown-item panel-export-' + f[0];
      link.setAttribute('role', 'menuitem');
      link.href = button.dataset[f[0]] || '#';
      link.textContent = f[1];
      menu.appendChild(link);
    });
    document.body.appendChild(menu);
    var r = button.getBoundingClientRect();
    menu.style.position = 'absolute';
    menu.style.top = (window.scrollY + r.bottom + 2) + 'px';
    menu.style.left = Math.max(4, window.scrollX + r.right - menu.offsetWidth) + 'px';
    button.setAttribute('aria-expanded', 'true');
    open = {menu: menu, button: button};
    menu.querySelector('a').focus({preventScroll: true});
  }

  document.addEventListener('click', function (ev) {
    var target = ev.target instanceof Element ? ev.target : null;
    if (open && target && open.menu.contains(target)) {      // a link: its download starts, then the menu goes
      setTimeout(close, 0);
      return;
    }
    var button = target && target.closest('.panel-export-toggle');
    var was = close();
    if (button && button !== was) { show(button); }
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape' && open) { close().focus(); }
  });
  window.addEventListener('resize', function () { close(); });
})();
