"""Roles, password hashing and wall-token signatures, without a database."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from auth.roles import ROLES, allows


def test_each_role_includes_the_ones_below_and_unknown_roles_allow_nothing():
    assert allows("administrator", "operator") and allows("operator", "viewer") and allows("viewer", "viewer")
    assert not allows("viewer", "operator") and not allows("operator", "administrator")
    for bad in (None, "", "admin", "ADMINISTRATOR", "root"):
        assert not any(allows(bad, r) for r in ROLES)
    assert not allows("administrator", "superuser")


def test_passwords_are_argon2id_and_verify_only_the_right_one():
    from auth.passwords import hash_password, password_problem, verify_password
    h = hash_password("mật khẩu đủ dài")
    assert h.startswith("$argon2id$") and "mật khẩu" not in h
    assert verify_password(h, "mật khẩu đủ dài")
    assert not verify_password(h, "mật khẩu đủ dàI")
    assert not verify_password(None, "anything at all")          # unknown user: same work, still False
    assert not verify_password("not a hash", "x") and not verify_password(h, None) and not verify_password(h, "x" * 5000)
    assert password_problem("short") == "auth.password_short" and password_problem("long enough!") is None


def test_wall_tokens_round_trip_and_any_change_breaks_them(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "unit-secret")
    from auth.secret import secret_key
    from core.settings import get_settings
    get_settings.cache_clear()
    secret_key.cache_clear()
    from auth.tokens import read_wall_token, sign_wall_token
    token = sign_wall_token(7, "main")
    assert read_wall_token(token) == (7, "main")
    assert read_wall_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    forged = sign_wall_token(7, "main").replace(token.split(".")[0], "eyJpZCI6OCwicCI6Im1haW4ifQ")
    assert read_wall_token(forged) is None
    monkeypatch.setenv("SECRET_KEY", "another-secret")
    get_settings.cache_clear()
    secret_key.cache_clear()
    assert read_wall_token(token) is None
    get_settings.cache_clear()
    secret_key.cache_clear()


@given(st.one_of(st.none(), st.integers(), st.text(max_size=600), st.binary(max_size=50)))
def test_hostile_wall_tokens_are_refused_not_raised(value):
    from auth.tokens import read_wall_token
    assert read_wall_token(value) is None or isinstance(value, str)


def test_formula_cells_are_neutralised():
    from commands.audit import formula_safe
    assert [formula_safe(v) for v in ("=1+1", "+1", "-1", "@A1", "\tx", "Thôn 3", None, 12)] == \
        ["'=1+1", "'+1", "'-1", "'@A1", "'\tx", "Thôn 3", "", "12"]


def test_the_inline_script_hashes_cover_scripts_but_not_json_blocks():
    import base64
    import hashlib

    from auth.web import inline_script_hashes
    html = ('<script id="_dash-config" type="application/json">{"a":1}</script><script src="/x.js"></script>'
            '<script>var a = 1;</script><script id="_dash-renderer" type="application/javascript">new R();</script>')
    want = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in ("var a = 1;", "new R();")}
    assert set(inline_script_hashes(html)) == want


@pytest.mark.parametrize("target,expected", [("/alerts?x=1", "/alerts?x=1"), ("//evil", "/"), ("http://evil/", "/"),
                                             ("/\\evil", "/"), ("", "/"), (None, "/")])
def test_only_local_next_addresses(target, expected):
    from auth.web import safe_next
    assert safe_next(target) == expected


def test_a_kept_session_is_used_only_while_its_version_clocks_and_address_hold(monkeypatch):
    """auth.web.KeptSessions: a worker answers a callback from a session it read lately only with the same
    "sessions" version, the same address, inside its idle and absolute lifetimes, when no idle-clock move is
    due, and for SESSION_KEPT_S at most; anything else sends it back to the store."""
    import time

    from auth import web
    from commands.base import Actor
    kept = web.KeptSessions()
    now = time.time()
    actor = Actor("viewer", "viewer", "10.0.0.1", "", 7, "sid")
    kept.keep("sid", "10.0.0.1", 3, (actor, int(now) - 600, int(now) - 10))
    ask = lambda **kw: kept.get(**{"session_id": "sid", "ip": "10.0.0.1", "version": 3, "idle_s": 3600,  # noqa: E731
                                   "absolute_s": 12 * 3600, "touch": False, **kw})
    assert ask() is actor
    assert ask(version=4) is None                       # signed out / changed somewhere: read it again
    assert ask(version=None) is None                    # the cache did not answer: read the store
    assert ask(ip="10.0.0.2") is None                   # another address
    assert ask(idle_s=5) is None                        # idled out by its own clock
    assert ask(absolute_s=300) is None                  # past its absolute lifetime
    assert ask(touch=True) is not None                  # a user action, the idle clock moved 10 s ago ...
    kept.keep("sid", "10.0.0.1", 3, (actor, int(now) - 600, int(now) - 40))
    assert ask(touch=True) is None                      # ... 40 s ago: the store must move it
    assert ask() is actor
    monkeypatch.setattr(web, "SESSION_KEPT_S", 0)       # kept too long
    assert ask() is None
    monkeypatch.setattr(web, "SESSION_KEPT_S", 30)
    kept.drop("sid")
    assert ask() is None
    kept.keep("other", "10.0.0.1", None, (actor, int(now), int(now)))   # nothing kept without a version
    assert kept.get("other", "10.0.0.1", None, 3600, 3600, False) is None
