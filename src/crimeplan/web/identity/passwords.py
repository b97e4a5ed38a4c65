"""Passwords: argon2id hashes (argon2-cffi's RFC 9106 defaults) and a minimum standard.

The standard follows NCSC guidance: long rather than complex (12 characters at least), not
one of the passwords attackers try first, and not the account's own email.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crimeplan.errors import BadInput, FieldProblem

MIN_LENGTH = 12
_COMMON = frozenset({
    "password1234", "passwordpassword", "123456789012", "qwertyuiopas", "letmein12345",
    "welcome12345", "iloveyou1234", "administrator", "changeme1234", "password123!",
})

_hasher = PasswordHasher()


def check_strength(password: str, email: str = "") -> None:
    """Refuse a weak password, naming the ``password`` field and why."""
    problem = None
    if len(password) < MIN_LENGTH:
        problem = FieldProblem("password", "too-short",
                               f"Use at least {MIN_LENGTH} characters")
    elif password.lower() in _COMMON or len(set(password)) < 4:
        problem = FieldProblem("password", "too-common", "Choose a less guessable password")
    elif email and email.split("@")[0].lower() in password.lower():
        problem = FieldProblem("password", "contains-email", "Do not use your email address")
    if problem:
        raise BadInput(problem.message, fields=(problem,))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash (never raises on a wrong one)."""
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def burn_time(password: str) -> None:
    """Spend what a real check costs, so an unknown email cannot be told by timing."""
    verify_password(_dummy_hash(), password)


def generate_password() -> str:
    """A random password for a new account, shown once to its administrator."""
    return secrets.token_urlsafe(15)
