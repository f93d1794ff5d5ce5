"""Issuing, redeeming and revoking accreditation codes; knows nothing of Telegram.

Redeeming is one conditional UPDATE (`... WHERE used_by IS NULL`), so two people racing for one code,
or two replicas handling the same person, cannot both win it. Wrong codes are counted per user in the
database and slow that user down: ATTEMPTS wrong codes within WINDOW, then a pause.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import case, delete, func, select, update

from bot.accreditation.codes import code_hash, display, new_code, normalise
from bot.accreditation.models import AccessCode, CodeAttempt
from bot.db import Database, affected
from bot.delegates.models import Delegate

ATTEMPTS = 5
WINDOW = timedelta(minutes=15)

# Redemption outcomes.
VERIFIED, ALREADY, USED, REVOKED, WRONG, LIMITED = "verified", "already", "used", "revoked", "wrong", "limited"
WITHDRAWN = "withdrawn"  # the delegate's own code, revoked after they used it: they are no longer verified


@dataclass(frozen=True)
class Redemption:
    outcome: str
    delegation_id: str | None = None
    retry_after: timedelta | None = None  # LIMITED: how long until the next try counts


@dataclass(frozen=True)
class DelegationCodes:
    delegation_id: str
    issued: int
    used: int
    revoked: int

    @property
    def unused(self) -> int:
        return self.issued - self.used - self.revoked


class AccreditationService:
    def __init__(self, database: Database, now: Callable[[], datetime], delegation_ids: Iterable[str] = ()) -> None:
        self.database = database
        self.now = now
        self.delegation_ids = {d.upper(): d for d in delegation_ids}

    def delegation(self, name: str) -> str | None:
        """The delegation id as the event file spells it, from what an organiser typed (jp, JP)."""
        return self.delegation_ids.get(name.strip().upper())

    async def issue(self, delegation_id: str, count: int, batch: str | None = None) -> list[str]:
        """New codes for a delegation, returned once in clear (only their hashes are kept)."""
        if self.delegation_ids and delegation_id not in self.delegation_ids.values():
            raise ValueError(f"unknown delegation {delegation_id!r}")
        if not 1 <= count <= 10_000:
            raise ValueError("count must be between 1 and 10000")
        now = self.now()
        batch = batch or f"{delegation_id}-{now:%Y%m%dT%H%M%S}"
        codes: list[str] = []
        seen: set[str] = set()
        while len(codes) < count:
            code = new_code()
            if code not in seen:
                seen.add(code)
                codes.append(code)
        async with self.database.session() as db:
            db.add_all(
                AccessCode(code_hash=code_hash(normalise(c) or ""), hint=c[-4:], delegation_id=delegation_id, batch=batch, created_at=now)
                for c in codes
            )
        return codes

    async def redeem(self, user_id: int, typed: str) -> Redemption:
        now = self.now()
        async with self.database.session() as db:
            since = now - WINDOW
            recent = list((await db.execute(
                select(CodeAttempt.at).where(CodeAttempt.user_id == user_id, CodeAttempt.at > since).order_by(CodeAttempt.at)
            )).scalars())
            if len(recent) >= ATTEMPTS:
                return Redemption(LIMITED, retry_after=recent[-ATTEMPTS] + WINDOW - now)
            raw = normalise(typed)
            row = None
            if raw is not None:
                row = (await db.execute(select(AccessCode).where(AccessCode.code_hash == code_hash(raw)))).scalars().first()
            if row is None:
                db.add(CodeAttempt(user_id=user_id, at=now))
                return Redemption(WRONG)
            if row.revoked_at is not None:  # before "already": a revoked code verifies nobody, its holder included
                return Redemption(WITHDRAWN if row.used_by == user_id else REVOKED, row.delegation_id)
            if row.used_by == user_id:
                return Redemption(ALREADY, row.delegation_id)
            claimed = await db.execute(
                update(AccessCode).where(AccessCode.id == row.id, AccessCode.used_by.is_(None), AccessCode.revoked_at.is_(None))
                .values(used_by=user_id, used_at=now).execution_options(synchronize_session=False)
            )
            if not affected(claimed):
                return Redemption(USED, row.delegation_id)
            await db.execute(
                update(Delegate).where(Delegate.user_id == user_id)
                .values(verified=True, delegation_id=row.delegation_id).execution_options(synchronize_session=False)
            )
            await db.execute(delete(CodeAttempt).where(CodeAttempt.user_id == user_id))
            return Redemption(VERIFIED, row.delegation_id)

    async def revoke(self, typed: str) -> AccessCode | None:
        """Revokes an unused code, or withdraws a used one (its delegate is no longer verified)."""
        raw = normalise(typed)
        if raw is None:
            return None
        async with self.database.session() as db:
            row = (await db.execute(select(AccessCode).where(AccessCode.code_hash == code_hash(raw)))).scalars().first()
            if row is None:
                return None
            row.revoked_at = row.revoked_at or self.now()
            if row.used_by is not None:
                await db.execute(update(Delegate).where(Delegate.user_id == row.used_by).values(verified=False))
            return row

    async def summary(self) -> list[DelegationCodes]:
        async with self.database.session() as db:
            result = await db.execute(
                select(
                    AccessCode.delegation_id, func.count(),
                    func.sum(case((AccessCode.used_by.is_not(None) & AccessCode.revoked_at.is_(None), 1), else_=0)),
                    func.count(AccessCode.revoked_at),
                ).group_by(AccessCode.delegation_id).order_by(AccessCode.delegation_id)
            )
            return [DelegationCodes(d, int(n), int(used or 0), int(revoked)) for d, n, used, revoked in result.all()]

    async def forget(self, user_id: int) -> None:
        """/forget: the code stays used (it cannot be shared on), but no longer names the person."""
        async with self.database.session() as db:
            await db.execute(update(AccessCode).where(AccessCode.used_by == user_id).values(used_by=0))
            await db.execute(delete(CodeAttempt).where(CodeAttempt.user_id == user_id))


def deep_link(bot_username: str, code: str) -> str:
    """https://t.me/<bot>?start=<code>: opening it starts the bot with the code as its payload."""
    return f"https://t.me/{quote(bot_username.lstrip('@'))}?start={quote(code)}"


def codes_csv(codes: list[str], delegation_id: str, bot_username: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["delegation", "code", "link"])
    for code in codes:
        writer.writerow([delegation_id, code, deep_link(bot_username, code)])
    return out.getvalue()


__all__ = ["AccreditationService", "Redemption", "codes_csv", "deep_link", "display"]
