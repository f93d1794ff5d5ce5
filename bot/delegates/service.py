"""Delegates: who they are, which language they read, which roles they hold, and forgetting them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.db import Database, affected
from bot.delegates.models import Delegate, RoleGrant
from bot.i18n import normalise_language
from bot.outbox import service as outbox

ROLES = ("organiser", "moderator", "helpdesk")
SEEN_PRECISION = timedelta(minutes=1)
"""`last_seen` is kept to the minute: rewriting the row for every message cost a write transaction per reply."""


@dataclass(frozen=True)
class DelegateView:
    """What the rest of the bot needs to know about the person it is talking to."""

    user_id: int
    chat_id: int
    first_name: str | None
    language: str
    language_chosen: bool
    delegation_id: str | None
    verified: bool
    reminder_lead_minutes: int | None
    is_new: bool = False


def _view(row: Delegate, is_new: bool = False) -> DelegateView:
    return DelegateView(
        row.user_id, row.chat_id, row.first_name, row.language, row.language_chosen,
        row.delegation_id, row.verified, row.reminder_lead_minutes, is_new,
    )


class DelegateService:
    def __init__(self, database: Database, languages: Iterable[str], default_language: str) -> None:
        self.database = database
        self.languages = tuple(languages)
        self.default_language = default_language

    def language_for(self, language_code: str | None) -> str:
        return normalise_language(language_code, self.languages) or self.default_language

    async def seen(
        self, user_id: int, chat_id: int, now: datetime, *, first_name: str | None = None,
        last_name: str | None = None, username: str | None = None, language_code: str | None = None,
    ) -> DelegateView:
        """Records a contact; on first contact the language comes from Telegram's language_code.

        `chat_id` is where the contact happened. Only a private chat (whose id is the user's id) is
        kept as where the bot writes to the person on its own: a command typed in a group must not
        send their reminders, their question's decision or a moderator's cards to that group."""
        try:
            return await self._seen(user_id, chat_id, now, first_name, last_name, username, language_code)
        except IntegrityError:  # another replica created the row meanwhile: now it is an update
            return await self._seen(user_id, chat_id, now, first_name, last_name, username, language_code)

    async def _seen(
        self, user_id: int, chat_id: int, now: datetime, first_name: str | None, last_name: str | None,
        username: str | None, language_code: str | None,
    ) -> DelegateView:
        async with self.database.session() as db:
            row = await db.get(Delegate, user_id)
            is_new = row is None
            if row is None:
                row = Delegate(
                    user_id=user_id, chat_id=user_id, language=self.language_for(language_code),
                    language_chosen=False, consent=False, verified=False, active=True, first_seen=now,
                )
                db.add(row)
            if chat_id == user_id:
                row.chat_id = chat_id
            row.first_name, row.last_name, row.username = first_name, last_name, username
            if is_new or not row.active or row.last_seen is None or not now - SEEN_PRECISION < row.last_seen <= now:
                row.last_seen = now  # within the minute it stays: a chatting delegate's row is not rewritten per message
            row.active = True
            if not row.language_chosen and language_code and not is_new:
                row.language = self.language_for(language_code)
            await db.flush()
            return _view(row, is_new)

    async def get(self, user_id: int) -> DelegateView | None:
        async with self.database.session() as db:
            row = await db.get(Delegate, user_id)
            return _view(row) if row else None

    async def set_language(self, user_id: int, language: str) -> bool:
        if language not in self.languages:
            return False
        async with self.database.session() as db:
            row = await db.get(Delegate, user_id)
            if row is None:
                return False
            row.language, row.language_chosen = language, True
            return True

    async def record_consent(self, user_id: int) -> None:
        """The delegate was shown the privacy notice (/start) and went on: we may keep what it lists."""
        async with self.database.session() as db:
            row = await db.get(Delegate, user_id)
            if row is not None:
                row.consent = True

    async def set_reminder_lead(self, user_id: int, minutes: int) -> None:
        async with self.database.session() as db:
            row = await db.get(Delegate, user_id)
            if row is not None:
                row.reminder_lead_minutes = minutes

    async def mark_inactive(self, chat_id: int) -> None:
        """The delegate blocked the bot (403): stop sending them anything until they come back."""
        async with self.database.session() as db:
            for row in (await db.execute(select(Delegate).where(Delegate.chat_id == chat_id))).scalars():
                row.active = False

    async def forget(self, user_id: int) -> bool:
        """Deletes the delegate's personal data, the last step of /forget (the features' forget hooks
        come first). Everything the outbox holds for their private chat (whose id is their user id),
        sent or not, is erased with them. False when there was no delegate row."""
        async with self.database.session() as db:
            await outbox.erase(db, chat_id=user_id)
            row = await db.get(Delegate, user_id)
            if row is None:
                return False
            await db.delete(row)
            return True


class RoleService:
    """Roles from ORGANISER_IDS (configuration) and from grants made with the CLI."""

    def __init__(self, database: Database, organiser_ids: Iterable[int] = ()) -> None:
        self.database = database
        self.organiser_ids = frozenset(organiser_ids)

    async def has_role(self, user_id: int, role: str) -> bool:
        if user_id in self.organiser_ids and (role == "organiser" or role in ROLES):
            return True  # configured organisers may do what moderators and the helpdesk may do
        async with self.database.session() as db:
            roles = set((await db.execute(select(RoleGrant.role).where(RoleGrant.user_id == user_id))).scalars())
        # Organisers may do everything moderators and the helpdesk may do.
        return role in roles or ("organiser" in roles and role in ROLES)

    async def grant(self, user_id: int, role: str, now: datetime) -> bool:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
        async with self.database.session() as db:
            exists = (await db.execute(select(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.role == role))).first()
            if exists:
                return False
            db.add(RoleGrant(user_id=user_id, role=role, granted_at=now))
            return True

    async def revoke(self, user_id: int, role: str) -> bool:
        async with self.database.session() as db:
            result = await db.execute(delete(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.role == role))
            return bool(affected(result))

    async def grants(self) -> list[tuple[int, str, str]]:
        """Every (user id, role, source) pair, configured ones included."""
        async with self.database.session() as db:
            rows = (await db.execute(select(RoleGrant).order_by(RoleGrant.role, RoleGrant.user_id))).scalars().all()
        listed = [(r.user_id, r.role, "cli") for r in rows]
        listed += [(uid, "organiser", "ORGANISER_IDS") for uid in sorted(self.organiser_ids)]
        return listed
