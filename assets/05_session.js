/* A session that ended (signed out elsewhere, idle or absolute timeout, user disabled) answers Dash's
   callbacks with 401: go to the sign-in page and come back here afterwards, instead of a dead page.
   The CSRF token needs nothing here: Dash's renderer already echoes the `_csrf_token` cookie as X-CSRFToken. */
(function () {
  if (!window.fetch) { return; }
  var original = window.fetch;
  window.fetch = function () {
    return original.apply(this, arguments).then(function (resp) {
      if (String(resp.url).indexOf('/_dash-') !== -1) {
        if (resp.status === 401) {
          window.location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
        } else if (resp.status === 403 && document.querySelector('.wall-shell')) {
          window.location.reload();     /* a revoked wall link: show the refusal instead of a frozen screen */
        }
      }
      return resp;
    });
  };
})();
