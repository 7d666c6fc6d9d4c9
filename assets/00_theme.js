/* Apply the remembered theme before anything draws (cookie `theme`, set by /set?theme=...). */
(function () {
  var m = document.cookie.match(/(?:^|; )theme=(dark|light)/);
  document.documentElement.setAttribute('data-bs-theme', m ? m[1] : 'light');
  // AG Grid's built-in themes follow this attribute (their colorSchemeVariable part)
  document.documentElement.setAttribute('data-ag-theme-mode', m ? m[1] : 'light');
  var l = document.cookie.match(/(?:^|; )lang=(vi|en)/);
  document.documentElement.setAttribute('lang', l ? l[1] : 'vi');
})();
