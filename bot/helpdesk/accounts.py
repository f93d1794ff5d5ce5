"""Helpdesk console accounts and login sessions.

Passwords are hashed with argon2id (argon2-cffi), in a worker thread so that a login never blocks the
bot's event loop. A session cookie holds a random token; the database keeps only its SHA-256, so a
copy of the database does not let anyone in. Each session has its own CSRF token.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select

from bot.db import Database
from bot.helpdesk.models import HelpdeskAgent, HelpdeskSession
from bot.helpdesk.throttle import WINDOW, LoginThrottle
from bot.logs import who

log = logging.getLogger(__name__)

SESSION_HOURS = 12
MIN_PASSWORD = 10
MAX_NAME = 100
_hasher = PasswordHasher()
# Verifying against this when the name is unknown takes as long as a real check (no name probing).
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A name or password that cannot be used; the message says why."""


@dataclass(frozen=True)
class AgentView:
    id: int
    name: str
    active: bool
    created_at: datetime
    organiser: bool = False  # also sees the organisers' pages (broadcasts, the live picture, training)


@dataclass(frozen=True)
class LoginResult:
    """A console login: the agent, or None; `paused_for` when logins for that name or from that
    address are paused (then even the right password was not checked)."""

    agent: AgentView | None
    paused_for: timedelta | None = None


@dataclass(frozen=True)
class SessionView:
    agent: AgentView
    csrf_token: str
    expires_at: datetime


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(c.isspace() and c != " " for c in name) or not name.isprintable():
        raise AccountError(f"the name must be 1-{MAX_NAME} printable characters")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    return password


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _view(row: HelpdeskAgent) -> AgentView:
    return AgentView(row.id, row.name, row.active, row.created_at, bool(row.organiser))


class AgentService:
    def __init__(self, database: Database, now: Callable[[], datetime], throttle: LoginThrottle | None = None) -> None:
        self.database = database
        self.now = now
        self.throttle = throttle or LoginThrottle(database, now)

    async def add(self, name: str, password: str, *, organiser: bool = False) -> AgentView:
        name, password = check_name(name), check_password(password)
        password_hash = await asyncio.to_thread(_hasher.hash, password)
        async with self.database.session() as db:
            if (await db.execute(select(HelpdeskAgent.id).where(HelpdeskAgent.name == name))).first():
                raise AccountError(f"an agent named {name!r} exists already (use set-password)")
            row = HelpdeskAgent(name=name, password_hash=password_hash, active=True, organiser=organiser, created_at=self.now())
            db.add(row)
            await db.flush()
            return _view(row)

    async def set_password(self, name: str, password: str) -> bool:
        password_hash = await asyncio.to_thread(_hasher.hash, check_password(password))
        async with self.database.session() as db:
            row = (await db.execute(select(HelpdeskAgent).where(HelpdeskAgent.name == name))).scalars().first()
            if row is None:
                return False
            row.password_hash, row.active = password_hash, True
            await db.execute(delete(HelpdeskSession).where(HelpdeskSession.agent_id == row.id))
            return True

    async def set_organiser(self, name: str, organiser: bool) -> bool:
        """Gives or takes the organiser role; it counts from the agent's next request."""
        async with self.database.session() as db:
            row = (await db.execute(select(HelpdeskAgent).where(HelpdeskAgent.name == name))).scalars().first()
            if row is None:
                return False
            row.organiser = organiser
            return True

    async def deactivate(self, name: str) -> bool:
        """The agent can no longer log in; their open sessions end at once."""
        async with self.database.session() as db:
            row = (await db.execute(select(HelpdeskAgent).where(HelpdeskAgent.name == name))).scalars().first()
            if row is None:
                return False
            row.active = False
            await db.execute(delete(HelpdeskSession).where(HelpdeskSession.agent_id == row.id))
            return True

    async def agents(self) -> list[AgentView]:
        async with self.database.session() as db:
            return [_view(r) for r in (await db.execute(select(HelpdeskAgent).order_by(HelpdeskAgent.name))).scalars()]

    async def login(self, name: str, password: str, address: str) -> LoginResult:
        """A login from the console at `address`, throttled (bot.helpdesk.throttle). A paused login is
        refused without checking the password, so its answer never tells a right one from a wrong one."""
        attempt = await self.throttle.begin(name, address)
        before = await self.throttle.counts(name, address, excluding=attempt)
        if before.paused_for is not None:
            await self.throttle.withdraw(attempt)
            log.warning("console login for %s from %s refused unchecked: logins paused for %s more", who(name.strip()), who(address), _minutes(before.paused_for))
            return LoginResult(None, before.paused_for)
        agent = await self.authenticate(name, password)
        if agent is not None:
            await self.throttle.succeeded(name, attempt)
            log.info("console login by %s from %s", who(agent.name), who(address))
            return LoginResult(agent)
        after = await self.throttle.counts(name, address)
        log.info(
            "console login failed for %s from %s (%d failed for this name, %d from this address within %s)%s",
            who(name.strip()), who(address), after.name, after.address, _minutes(WINDOW),
            f"; logins paused for {_minutes(after.paused_for)}" if after.paused_for else "",
        )
        return LoginResult(None, after.paused_for)

    async def authenticate(self, name: str, password: str) -> AgentView | None:
        """Checks a name and password, unthrottled (the CLI, tests); the console calls `login`."""
        async with self.database.session() as db:
            row = (await db.execute(select(HelpdeskAgent).where(HelpdeskAgent.name == name.strip()))).scalars().first()
        stored = row.password_hash if row is not None and row.active else _DUMMY_HASH
        try:
            await asyncio.to_thread(_hasher.verify, stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if _hasher.check_needs_rehash(stored):
            await self.set_password(row.name, password)
        return _view(row)

    async def start_session(self, agent: AgentView) -> tuple[str, SessionView]:
        """A new login: (the cookie's token, the session). Expired sessions are swept here."""
        token = secrets.token_urlsafe(32)
        now = self.now()
        expires = now + timedelta(hours=SESSION_HOURS)
        csrf = secrets.token_urlsafe(32)
        async with self.database.session() as db:
            await db.execute(delete(HelpdeskSession).where(HelpdeskSession.expires_at < now))
            db.add(HelpdeskSession(token_hash=_token_hash(token), agent_id=agent.id, csrf_token=csrf, created_at=now, expires_at=expires))
        return token, SessionView(agent, csrf, expires)

    async def session(self, token: str | None) -> SessionView | None:
        if not token or len(token) > 200:
            return None
        async with self.database.session() as db:
            found = (await db.execute(
                select(HelpdeskSession, HelpdeskAgent).join(HelpdeskAgent, HelpdeskAgent.id == HelpdeskSession.agent_id)
                .where(HelpdeskSession.token_hash == _token_hash(token))
            )).first()
        if found is None:
            return None
        session, agent = found
        if session.expires_at <= self.now() or not agent.active:
            return None
        return SessionView(_view(agent), session.csrf_token, session.expires_at)

    async def end_session(self, token: str | None) -> None:
        if not token:
            return
        async with self.database.session() as db:
            await db.execute(delete(HelpdeskSession).where(HelpdeskSession.token_hash == _token_hash(token)))


def _minutes(delta: timedelta) -> str:
    return f"{max(1, -(-int(delta.total_seconds()) // 60))} min"
