/* The header's menus (layouts/shell.py, shell_menu): <details> open and close themselves; this closes an
   open one when the viewer clicks elsewhere, presses Escape (focus back on its toggle) or picks an entry
   (a link inside moves the page in place, with no reload to close it). One menu open at a time. */
(function () {
  function openMenus() { return document.querySelectorAll('details.shell-menu[open]'); }

  document.addEventListener('click', function (ev) {
    var target = ev.target instanceof Element ? ev.target : null;
    var inside = target && target.closest('details.shell-menu');
    openMenus().forEach(function (menu) {
      var picked = inside === menu && target.closest('.shell-menu-list a, .shell-menu-list button');
      if (inside !== menu || picked) { menu.removeAttribute('open'); }
    });
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Escape') { return; }
    openMenus().forEach(function (menu) {
      menu.removeAttribute('open');
      var toggle = menu.querySelector('summary');
      if (toggle) { toggle.focus(); }
    });
  });
})();
