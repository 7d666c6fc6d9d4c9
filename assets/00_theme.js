/* Apply the remembered theme before anything draws (cookie `theme`, set by /set?theme=...). */
(function () {
  var m = document.cookie.match(/(?:^|; )theme=(dark|light)/);
  var wall = /^\/wall(\/|$)/.test(window.location.pathname);   // the wall is always dark
  var theme = wall ? 'dark' : (m ? m[1] : 'light');
  document.documentElement.setAttribute('data-bs-theme', theme);
  // AG Grid's built-in themes follow this attribute (their colorSchemeVariable part)
  document.documentElement.setAttribute('data-ag-theme-mode', theme);
  var l = document.cookie.match(/(?:^|; )lang=(vi|en)/);
  document.documentElement.setAttribute('lang', l ? l[1] : 'vi');
})();
