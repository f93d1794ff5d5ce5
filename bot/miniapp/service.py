"""What the Mini App needs of the bot, without HTTP or Telegram: who is looking (the delegate the
validated initData names, their language, what they may see) and their agenda.

My agenda is the chat's reminders (ReminderService): a star is a reminder subscription and a reminder
is a star, so starring in one shows in the other at once, and a star becomes a reminder the bot
sends before the talk.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, or_, select

from bot.db import Database
from bot.delegates.models import Delegate
from bot.delegates.service import DelegateService, DelegateView
from bot.event.service import EventService, EventSnapshot, session_by_id
from bot.i18n import Translator
from bot.miniapp.initdata import LaunchUser
from bot.miniapp.models import MenuButton
from bot.reminders.service import ReminderService

# StarResult.outcome
ADDED, ALREADY, STARTED, CANCELLED, UNKNOWN, REMOVED = "added", "already", "started", "cancelled", "unknown", "removed"


@dataclass(frozen=True)
class Viewer:
    """The delegate looking at the Mini App: their translator and the event as they may see it
    (sessions marked `public: false` without their room unless they are verified)."""

    delegate: DelegateView
    tr: Translator
    snap: EventSnapshot


@dataclass(frozen=True)
class StarResult:
    starred: bool
    outcome: str  # added, already, removed, started, cancelled, unknown


class MiniAppService:
    def __init__(self, delegates: DelegateService, events: EventService, reminders: ReminderService,
                 translator: Callable[[str], Awaitable[Translator]]) -> None:
        self.delegates = delegates
        self.events = events
        self.reminders = reminders
        self.translator = translator

    async def viewer(self, user: LaunchUser) -> Viewer | None:
        """None for someone who never talked to the bot: the Mini App keeps nothing about strangers
        (they start the chat first, which also shows the privacy notice)."""
        delegate = await self.delegates.get(user.id)
        if delegate is None:
            return None
        return Viewer(delegate, await self.translator(delegate.language), await self.events.view(delegate.verified))

    async def starred(self, user_id: int) -> set[str]:
        """The sessions in the delegate's agenda (their reminders, whatever state each is in)."""
        return {s.id for s, _ in await self.reminders.entries(user_id)}

    async def set_star(self, viewer: Viewer, session_id: str, wanted: bool) -> StarResult:
        """Stars (subscribes to the reminder) or unstars one session, for this delegate only."""
        user_id = viewer.delegate.user_id
        if session_by_id(viewer.snap, session_id) is None:
            return StarResult(False, UNKNOWN)
        if not wanted:
            await self.reminders.unsubscribe(user_id, session_id)
            return StarResult(False, REMOVED)
        result = await self.reminders.subscribe(user_id, [session_id])
        if result.added:
            return StarResult(True, ADDED)
        if result.already:
            return StarResult(True, ALREADY)
        reason = result.refused[0][1] if result.refused else UNKNOWN
        return StarResult(False, CANCELLED if reason == "cancelled" else STARTED)


@dataclass(frozen=True)
class MenuDue:
    """A chat whose menu button must be set: its delegate's language changed, or the address did."""

    chat_id: int
    language: str


class MenuButtons:
    """Which chats got the Mini App's menu button in which language and at which address.

    The bot's default menu button speaks the event's default language; a chat whose delegate reads
    another language gets its own (setChatMenuButton is per chat, it has no language_code)."""

    def __init__(self, database: Database, default_language: str, now: Callable[[], datetime]) -> None:
        self.database = database
        self.default_language = default_language
        self.now = now

    async def due(self, url: str, limit: int = 20) -> list[MenuDue]:
        """Active delegates whose chat shows no button, or one in another language or at another address."""
        recorded = MenuButton.__table__
        async with self.database.session() as db:
            rows = (await db.execute(
                select(Delegate.chat_id, Delegate.language)
                .select_from(Delegate)
                .outerjoin(recorded, recorded.c.chat_id == Delegate.chat_id)
                .where(Delegate.active.is_(True))
                .where(or_(
                    and_(recorded.c.chat_id.is_(None), Delegate.language != self.default_language),
                    and_(recorded.c.chat_id.is_not(None), or_(recorded.c.language != Delegate.language, recorded.c.url != url)),
                ))
                .order_by(Delegate.chat_id)
                .limit(limit)
            )).all()
        return [MenuDue(int(chat_id), language) for chat_id, language in rows]

    async def record(self, chat_id: int, language: str, url: str) -> None:
        async with self.database.session() as db:
            row = await db.get(MenuButton, chat_id)
            if row is None:
                db.add(MenuButton(chat_id=chat_id, language=language, url=url, set_at=self.now()))
            else:
                row.language, row.url, row.set_at = language, url, self.now()

    async def forget(self, user_id: int) -> None:
        async with self.database.session() as db:
            chat_id = (await db.execute(select(Delegate.chat_id).where(Delegate.user_id == user_id))).scalar()
            if chat_id is not None:
                await db.execute(delete(MenuButton).where(MenuButton.chat_id == chat_id))
