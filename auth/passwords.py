"""argon2id through argon2-cffi with its default (RFC 9106 low-memory) parameters; a hash made with
older parameters is upgraded at the next successful sign-in."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 1024      # argon2 takes any length; a megabyte "password" is only a way to burn CPU
_hasher = PasswordHasher()
# verified against when the name is unknown, so a wrong name costs the same time as a wrong password
_DUMMY = _hasher.hash("not a password of anyone")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not isinstance(password, str) or len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return False


def password_problem(password: str) -> str | None:
    """An i18n key when a new password is not acceptable, else None."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        return "auth.password_short"
    if len(password) > MAX_LENGTH:
        return "auth.password_long"
    return None
