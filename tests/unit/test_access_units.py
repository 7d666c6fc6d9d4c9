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
