"""Single sign-on against a tiny OpenID Connect provider on a loopback port: discovery, an authorization
code, a signed id_token (RS256, checked against the provider's JWKS, nonce and audience), and the local
user's role. A person with no local user is not let in."""
from __future__ import annotations

import secrets
import threading
import time
from urllib.parse import urlencode, urlsplit

import pytest
import requests

from tests.conftest import free_port
from tests.integration.test_access import audit_rows, client, web  # noqa: F401 - the app fixture


class StubProvider:
    def __init__(self, username: str):
        from flask import Flask, jsonify, redirect, request
        from joserfc import jwt
        from joserfc.jwk import RSAKey
        self.username = username
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        key = RSAKey.generate_key(2048, parameters={"kid": "stub-1"})
        codes: dict[str, dict] = {}
        app = Flask("oidc-stub")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(issuer=self.issuer, authorization_endpoint=f"{self.issuer}/authorize",
                           token_endpoint=f"{self.issuer}/token", jwks_uri=f"{self.issuer}/jwks",
                           userinfo_endpoint=f"{self.issuer}/userinfo", response_types_supported=["code"],
                           subject_types_supported=["public"], id_token_signing_alg_values_supported=["RS256"])

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize():
            code = secrets.token_urlsafe(16)
            codes[code] = {"nonce": request.args.get("nonce"), "client_id": request.args["client_id"]}
            return redirect(request.args["redirect_uri"] + "?" + urlencode({"code": code, "state": request.args["state"]}))

        @app.post("/token")
        def token():
            grant = codes.pop(request.form.get("code", ""), None)
            if grant is None:
                return jsonify(error="invalid_grant"), 400
            now = int(time.time())
            claims = {"iss": self.issuer, "sub": "sub-" + self.username, "aud": grant["client_id"], "iat": now,
                      "exp": now + 300, "nonce": grant["nonce"], "preferred_username": self.username}
            id_token = jwt.encode({"alg": "RS256", "kid": "stub-1"}, claims, key)
            return jsonify(access_token="at-" + secrets.token_hex(8), token_type="Bearer", expires_in=300,
                           id_token=id_token)

        @app.get("/userinfo")
        def userinfo():
            return jsonify(sub="sub-" + self.username, preferred_username=self.username)

        from werkzeug.serving import make_server
        self.server = make_server("127.0.0.1", self.port, app)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def provider(monkeypatch):
    stub = StubProvider("an.nguyen")
    monkeypatch.setenv("OIDC_ISSUER", stub.issuer)
    monkeypatch.setenv("OIDC_CLIENT_ID", "brain-test")
    monkeypatch.setenv("OIDC_CLIENT_SECRET", "stub-secret")
    monkeypatch.setenv("OIDC_LABEL", "VNeID thử")
    from core.settings import get_settings
    get_settings.cache_clear()
    yield stub
    stub.server.shutdown()


def _round_trip(c, nxt="/alerts"):
    r = c.get("/login/oidc?" + urlencode({"next": nxt}))
    assert r.status_code == 302 and r.headers["Location"].startswith("http://127.0.0.1:")
    back = requests.get(r.headers["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302
    parts = urlsplit(back.headers["Location"])
    return c.get(f"{parts.path}?{parts.query}")


def test_single_sign_on_signs_in_a_known_user_with_their_local_role(web, provider):
    app, engine = web
    from auth.cli import cli_actor
    from commands import users
    users.create_user(cli_actor(), "an.nguyen", "operator", None, "Nguyễn Văn An", engine=engine)
    c = client(app)
    assert "VNeID thử" in c.get("/login").get_data(as_text=True)
    r = _round_trip(c)
    assert r.status_code == 302 and r.headers["Location"] == "/alerts"
    assert c.get("/alerts").status_code == 200
    import json
    assert "Nguyễn Văn An · Cán bộ vận hành" in str(json.loads(c.get("/_dash-layout").get_data(as_text=True)))
    ok = audit_rows(engine, action="sign_in", outcome="ok")
    assert ok[-1]["actor"] == "an.nguyen" and ok[-1]["detail"] == "via=oidc"


def test_single_sign_on_refuses_a_person_with_no_local_user(web, provider):
    app, engine = web
    c = client(app)
    r = _round_trip(c)
    assert r.status_code == 302 and "sso_failed" in r.headers["Location"]
    assert c.get("/alerts").status_code == 302
    assert audit_rows(engine, action="sign_in", outcome="failed")[-1]["detail"] == "via=oidc"


def test_without_settings_there_is_no_single_sign_on(web):
    app, _ = web
    c = client(app)
    assert c.get("/login/oidc").status_code == 404
    assert "sign-in-oidc" not in c.get("/login").get_data(as_text=True)
