"""Optional single sign-on through an OpenID Connect provider (authlib): set OIDC_ISSUER, OIDC_CLIENT_ID and
OIDC_CLIENT_SECRET. The provider says who the person is; the role is still the local user's, so a person
signs in this way only once an administrator created their user (`create-user NAME --sso --role ...`);
the local name is the provider's `preferred_username`, else its `email`. The routes always exist and
answer 404 while single sign-on is not configured; the client is built from the settings when first used."""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Flask, abort, current_app, redirect, request, session

from core.settings import get_settings

log = logging.getLogger(__name__)
_clients: dict[tuple, object] = {}


def label() -> str | None:
    s = get_settings()
    return s.oidc_label if s.oidc_issuer and s.oidc_client_id else None


def _client():
    s = get_settings()
    if not (s.oidc_issuer and s.oidc_client_id):
        return None
    key = (s.oidc_issuer, s.oidc_client_id, s.oidc_client_secret)
    if key not in _clients:
        from authlib.integrations.flask_client import OAuth
        oauth = OAuth(current_app)
        _clients[key] = oauth.register(
            "oidc", client_id=s.oidc_client_id, client_secret=s.oidc_client_secret,
            server_metadata_url=s.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile", "timeout": 10})
    return _clients[key]


def init_app(server: Flask) -> None:
    @server.route("/login/oidc")
    def oidc_login():
        from auth.web import safe_next
        client = _client()
        if client is None:
            abort(404)
        session["oidc_next"] = safe_next(request.args.get("next", "/"))
        return client.authorize_redirect(request.host_url.rstrip("/") + "/login/oidc/callback")

    @server.route("/login/oidc/callback")
    def oidc_callback():
        from auth.web import client_ip, finish_sign_in, safe_next
        from commands import users as user_commands
        client = _client()
        if client is None:
            abort(404)
        nxt = safe_next(session.pop("oidc_next", "/"))
        try:
            token = client.authorize_access_token()
            info = token.get("userinfo") or client.userinfo(token=token)
        except Exception as err:  # noqa: BLE001 - any protocol failure: back to the sign-in page
            log.warning("single sign-on failed: %s", err)
            return redirect("/login?" + urlencode({"sso_failed": 1}))
        name = info.get("preferred_username") or info.get("email")
        outcome, actor = user_commands.sign_in(name, None, client_ip(), get_settings().login_max_failures, via="oidc")
        if outcome != "ok":
            return redirect("/login?" + urlencode({"sso_failed": 1}))
        return finish_sign_in(actor, nxt)
