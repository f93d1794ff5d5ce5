"""Console login throttling: failed logins counted per name and per address, in the database.

Past NAME_LIMIT failures for one name, or ADDRESS_LIMIT from one address, within WINDOW, logins for
that name (or from that address) pause until the window has let enough of them go, right password
included: guessing must not pay. Kept in the database, so a restart or another replica changes
nothing. Names are counted whether or not an agent has them (the pause says nothing about which
names exist), and stored only as hashes (people type passwords into the name field).

An attempt is recorded before the password is checked and removed when it succeeds, so that a burst
of simultaneous attempts cannot all be checked before any failure is counted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from bot.db import Database
from bot.helpdesk.models import LoginFailure

NAME_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = timedelta(minutes=15)


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def name_key(name: str) -> str:
    return _key("name", name.strip().casefold())


def address_key(address: str) -> str:
    return _key("address", address)


@dataclass(frozen=True)
class Counts:
    """Failed logins within WINDOW for the name and from the address, and the pause in force."""

    name: int
    address: int
    paused_for: timedelta | None


class LoginThrottle:
    def __init__(
        self, database: Database, now: Callable[[], datetime], *, name_limit: int = NAME_LIMIT, address_limit: int = ADDRESS_LIMIT,
    ) -> None:
        self.database = database
        self.now = now
        self.name_limit = name_limit
        self.address_limit = address_limit

    async def begin(self, name: str, address: str) -> int:
        """Records an attempt as failed (until `succeeded`); returns its id. Old failures are swept."""
        now = self.now()
        async with self.database.session() as db:
            await db.execute(delete(LoginFailure).where(LoginFailure.at <= now - WINDOW))
            row = LoginFailure(name_key=name_key(name), address_key=address_key(address), at=now)
            db.add(row)
            await db.flush()
            return row.id

    async def counts(self, name: str, address: str, excluding: int | None = None) -> Counts:
        """The failures within WINDOW (but attempt `excluding`), and how long logins stay paused."""
        now = self.now()
        names, addresses = name_key(name), address_key(address)
        query = select(LoginFailure.name_key, LoginFailure.address_key, LoginFailure.at).where(
            LoginFailure.at > now - WINDOW, or_(LoginFailure.name_key == names, LoginFailure.address_key == addresses),
        )
        if excluding is not None:
            query = query.where(LoginFailure.id != excluding)
        async with self.database.session() as db:
            rows = (await db.execute(query.order_by(LoginFailure.__table__.c.at.desc()))).all()
        by_name = [at for key, _, at in rows if key == names]
        by_address = [at for _, key, at in rows if key == addresses]
        limits = ((by_name, self.name_limit), (by_address, self.address_limit))
        ends = [times[limit - 1] + WINDOW for times, limit in limits if len(times) >= limit]
        return Counts(len(by_name), len(by_address), max(ends) - now if ends else None)

    async def withdraw(self, attempt: int) -> None:
        """An attempt that was refused unchecked (paused): it does not count, or a pause would never end."""
        async with self.database.session() as db:
            await db.execute(delete(LoginFailure).where(LoginFailure.id == attempt))

    async def succeeded(self, name: str, attempt: int) -> None:
        """The right password: the name's failures are forgotten, and so is this attempt."""
        async with self.database.session() as db:
            await db.execute(delete(LoginFailure).where(or_(LoginFailure.name_key == name_key(name), LoginFailure.id == attempt)))
