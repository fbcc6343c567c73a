"""Accounts of the web app: users with a role, their passwords, browser sessions and API tokens.

A user owns the talks of the store's speaker with the same name (``speechcase
analyze --speaker NAME`` records into that account), so the CLI and the web app
share one store. Roles: a ``candidate`` records and shares talks, a ``coach``
reviews talks shared with them, an ``admin`` manages accounts and sees no talk.

Secrets are never stored as given: passwords as scrypt hashes (memory-hard,
``hashlib.scrypt``, 32 MiB per check), session ids, API tokens and invite
tokens as SHA-256 hashes of 256-bit random values, so a copy of the store
gives none of them away. Nothing in this module logs a secret or a hash.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from speechcase.core.errors import BadAccount, UnknownUser
from speechcase.rehearsals.store import Store, now

Role = Literal["candidate", "coach", "admin"]
ROLES: tuple[Role, ...] = ("candidate", "coach", "admin")
MIN_PASSWORD = 8
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
SESSION_DAYS = 14
TOKEN_PREFIX = "sc_"
# scrypt cost: N=2**15, r=8 -> 32 MiB and about 0.1 s per check on this project's 2-core machine.
_SCRYPT = {"n": 2 ** 15, "r": 8, "p": 1}
_MAXMEM = 64 * 1024 * 1024


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    created_at: str
    last_login_at: str | None


_USER_COLUMNS = "id, name, role, created_at, last_login_at"


# -- passwords ----------------------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64) of ``password`` with a fresh 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, maxmem=_MAXMEM, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by :func:`hash_password` (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             maxmem=_MAXMEM, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


_DUMMY_HASH = hash_password(secrets.token_urlsafe(12))


def check_name(name: str) -> str:
    """A user name: 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit."""
    if not NAME_PATTERN.match(name or ""):
        raise BadAccount(f"'{name}' cannot be a user name; use 1-40 letters, digits, '.', '_' or '-', starting with "
                         "a letter or digit.")
    return name


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise BadAccount(f"The password is too short; use at least {MIN_PASSWORD} characters.")
    return password


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise BadAccount(f"'{role}' is not a role; use one of {', '.join(ROLES)}.")
    return role


# -- users --------------------------------------------------------------------------------------------------

def add_user(store: Store, name: str, role: str, password: str) -> User:
    """Create an account; :class:`BadAccount` when the name is taken or invalid, or the password too short."""
    check_name(name)
    check_role(role)
    check_password(password)
    hashed = hash_password(password)
    with store.transaction() as db:
        if db.execute("SELECT 1 FROM users WHERE name = ? COLLATE NOCASE", (name,)).fetchone():
            raise BadAccount(f"A user called '{name}' already exists; pick another name or "
                             "`speechcase users passwd NAME` to change their password.")
        db.execute("INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                   (name, role, hashed, now()))
    return find_user(store, name)


def list_users(store: Store) -> list[User]:
    with store.reading() as db:
        return [User(*row) for row in db.execute(f"SELECT {_USER_COLUMNS} FROM users ORDER BY name")]


def has_users(store: Store) -> bool:
    with store.reading() as db:
        return db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def find_user(store: Store, name: str) -> User:
    with store.reading() as db:
        row = db.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise UnknownUser(f"No user called '{name}'; `speechcase users list` shows the accounts.")
    return User(*row)


def user_by_id(store: Store, user_id: int) -> User | None:
    with store.reading() as db:
        row = db.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?", (user_id,)).fetchone()
    return User(*row) if row else None


def remove_user(store: Store, name: str) -> User:
    """Delete an account with its sessions, tokens, shares and notices; the talks stay in the store."""
    user = find_user(store, name)
    with store.transaction() as db:
        db.execute("DELETE FROM users WHERE id = ?", (user.id,))
    return user


def set_password(store: Store, name: str, password: str) -> User:
    """Change a password; every session of the user ends (they sign in again)."""
    check_password(password)
    user = find_user(store, name)
    hashed = hash_password(password)
    with store.transaction() as db:
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (hashed, user.id))
        db.execute("DELETE FROM sessions WHERE user_id = ?", (user.id,))
    return user


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user whose name and password these are, else None (an unknown name costs a hash check too)."""
    with store.reading() as db:
        row = db.execute(f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, row[-1]):
        return None
    with store.transaction() as db:
        db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", (now(), row[0]))
    return User(*row[:-1])


# -- secrets kept as hashes: sessions and API tokens --------------------------------------------------------

def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str


def create_session(store: Store, user: User, replaces: str | None = None) -> tuple[str, Session]:
    """A new session for ``user`` (its id is returned once, for the cookie); the session ``replaces`` ends."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = (datetime.now(UTC) + timedelta(days=SESSION_DAYS)).isoformat(timespec="seconds")
    with store.transaction() as db:
        if replaces:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (secret_hash(replaces),))
        db.execute("DELETE FROM sessions WHERE expires_at < ?", (now(),))
        db.execute("INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                   (secret_hash(token), user.id, csrf, now(), expires))
    return token, Session(user, csrf)


def session_for(store: Store, token: str) -> Session | None:
    """The live session with this id, else None."""
    if not token:
        return None
    with store.reading() as db:
        row = db.execute(f"SELECT {', '.join('u.' + c for c in _USER_COLUMNS.split(', '))}, s.csrf "
                         "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ? AND s.expires_at > ?",
                         (secret_hash(token), now())).fetchone()
    return Session(User(*row[:-1]), row[-1]) if row else None


def end_session(store: Store, token: str) -> None:
    with store.transaction() as db:
        db.execute("DELETE FROM sessions WHERE id_hash = ?", (secret_hash(token),))


def new_token(store: Store, name: str) -> str:
    """A new API token for ``name`` (shown once; only its hash is kept)."""
    user = find_user(store, name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.transaction() as db:
        db.execute("INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES (?, ?, ?)",
                   (user.id, secret_hash(token), now()))
    return token


def revoke_tokens(store: Store, name: str) -> int:
    """Revoke every live API token of ``name``; returns how many."""
    user = find_user(store, name)
    with store.transaction() as db:
        return db.execute("UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                          (now(), user.id)).rowcount


def user_for_token(store: Store, token: str) -> User | None:
    """The owner of a live API token, else None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with store.reading() as db:
        row = db.execute(f"SELECT {', '.join('u.' + c for c in _USER_COLUMNS.split(', '))}, t.id FROM api_tokens t "
                         "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.revoked_at IS NULL",
                         (secret_hash(token),)).fetchone()
    if row is None:
        return None
    with store.transaction() as db:
        db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now(), row[-1]))
    return User(*row[:-1])
