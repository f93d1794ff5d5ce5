"""Reminders: subscriptions, the lead time, and the clock work that turns due reminders into outbox rows.

Nothing here knows Telegram. A reminder is a row; when it is due is computed at each tick from the
session's current start and the delegate's current lead time, so re-importing the event file (a moved
session) or choosing another lead time needs no bookkeeping. Each tick, in one transaction per step:

1. reminders already announced whose session moved are re-armed (the delegate hears the new time);
2. reminders of cancelled sessions become one "cancelled" notice each;
3. due reminders are queued in the outbox, rendered in the delegate's language, with `expires_at` at
   the session's start (a reminder for a session already under way is never sent);
4. reminders whose session started before they could be queued are marked missed (the bot was down);
5. organisers' event-wide reminders that are due are fanned out to every active delegate.

Replicas may tick at the same time: rows are claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL, and
on both databases every outbox row has a dedupe key (reminder id + the start it announces), so a
reminder is queued once however often the step runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers.reply import Reply
from bot.db import Database, affected
from bot.delegates.models import Delegate
from bot.event.models import Session
from bot.event.service import (
    DayView,
    EventService,
    EventSnapshot,
    SessionView,
    as_seen_by,
    day_by_id,
    session_by_id,
    sessions_on,
)
from bot.i18n import Translator
from bot.outbox import service as outbox
from bot.outbox.models import CANCELLED, PENDING, OutboxMessage
from bot.outbox.service import PRIORITY_REMINDER, Outgoing
from bot.reminders import replies
from bot.reminders.models import (
    LAPSED,
    MISSED,
    QUEUED,
    RELEASED,
    SCHEDULED,
    SESSION_CANCELLED,
    WAITING,
    WITHDRAWN,
    EventReminder,
    Reminder,
)

KIND = "reminder"  # outbox kind
BATCH = 1000
DAY_SKIPPED_KINDS = ("break",)  # "remind me about day 2" skips coffee breaks


class ReminderError(ValueError):
    """A request that cannot be done as asked; the message says why (shown to organisers, CLI users)."""


@dataclass(frozen=True)
class Subscription:
    """The outcome of "remind me": what was added, what already existed, what cannot be reminded."""

    added: tuple[SessionView, ...]
    already: tuple[SessionView, ...]
    refused: tuple[tuple[SessionView, str], ...]  # (session, "started" | "cancelled")
    lead_minutes: int
    day: DayView | None = None


@dataclass(frozen=True)
class TickReport:
    rearmed: int = 0
    cancelled: int = 0
    queued: int = 0
    missed: int = 0
    event_wide: int = 0  # messages queued by organisers' reminders

    @property
    def queued_any(self) -> bool:
        return bool(self.cancelled or self.queued or self.event_wide)


@dataclass(frozen=True)
class EventReminderView:
    id: int
    day_id: str | None
    session_id: str | None
    minutes_before: int
    status: str
    due_at: datetime | None  # None when the target has no session left
    starts_at: datetime | None
    recipients: int | None


def dedupe_key(reminder_id: int, starts_at: datetime) -> str:
    """One outbox row per reminder and announced start: a moved session gets a new one, a repeat none."""
    return f"reminder:{reminder_id}:{int(starts_at.timestamp())}"


class ReminderService:
    def __init__(self, database: Database, events: EventService, now: Callable[[], datetime], default_lead: int) -> None:
        self.database = database
        self.events = events
        self.now = now
        self.default_lead = default_lead

    # --- delegates ----------------------------------------------------------------------------------

    async def lead_of(self, user_id: int) -> int:
        async with self.database.session() as db:
            minutes = (await db.execute(select(Delegate.reminder_lead_minutes).where(Delegate.user_id == user_id))).scalar()
        return int(minutes or self.default_lead)

    async def subscribe(self, user_id: int, session_ids: Iterable[str], *, via_day: str | None = None) -> Subscription:
        snap, now = await self.events.snapshot(), self.now()
        wanted = [s for sid in dict.fromkeys(session_ids) if (s := session_by_id(snap, sid)) is not None]
        refused = tuple((s, "cancelled" if s.cancelled else "started") for s in wanted if s.cancelled or s.starts_at <= now)
        possible = [s for s in wanted if not s.cancelled and s.starts_at > now]
        added: list[SessionView] = []
        already: list[SessionView] = []
        async with self.database.session() as db:
            existing = {
                r.session_id: r for r in (await db.execute(
                    select(Reminder).where(Reminder.user_id == user_id, Reminder.session_id.in_([s.id for s in possible]))
                )).scalars()
            }
            fresh = []
            for s in possible:
                row = existing.get(s.id)
                if row is None:
                    fresh.append({"user_id": user_id, "session_id": s.id, "status": WAITING, "via_day": via_day, "created_at": now})
                    added.append(s)
                elif row.status in (WAITING, QUEUED):
                    already.append(s)
                else:  # missed or cancelled earlier, and possible again now
                    row.status, row.queued_for = WAITING, None
                    added.append(s)
            if fresh:
                await _insert_ignoring_duplicates(db, fresh)
        return Subscription(tuple(added), tuple(already), refused, await self.lead_of(user_id))

    async def subscribe_day(self, user_id: int, day_id: str) -> Subscription:
        snap, now = await self.events.snapshot(), self.now()
        day = day_by_id(snap, day_id)
        if day is None:
            raise ReminderError(f"unknown day {day_id!r}")
        sessions = [s for s in sessions_on(snap, day.id) if s.kind not in DAY_SKIPPED_KINDS and s.public and s.starts_at > now]
        result = await self.subscribe(user_id, [s.id for s in sessions], via_day=day.id)
        return Subscription(result.added, result.already, result.refused, result.lead_minutes, day)

    async def unsubscribe(self, user_id: int, session_id: str) -> bool:
        """Removes the reminder and withdraws its message if it has not gone out yet."""
        async with self.database.session() as db:
            row = (await db.execute(select(Reminder).where(Reminder.user_id == user_id, Reminder.session_id == session_id))).scalar()
            if row is None:
                return False
            await outbox.cancel(db, dedupe_prefix=f"reminder:{row.id}:")
            await db.delete(row)
            return True

    async def entries(self, user_id: int) -> list[tuple[SessionView, str]]:
        """The delegate's reminders as (session, status), in programme order."""
        snap = await self.events.snapshot()
        async with self.database.session() as db:
            rows = (await db.execute(select(Reminder.session_id, Reminder.status).where(Reminder.user_id == user_id))).all()
        found: dict[str, str] = {session_id: status for session_id, status in rows}
        return [(s, found[s.id]) for s in snap.sessions if s.id in found]

    async def forget(self, user_id: int) -> None:
        """/forget: the delegate's reminders go, and so do their reminder messages not yet sent."""
        async with self.database.session() as db:
            chat_id = (await db.execute(select(Delegate.chat_id).where(Delegate.user_id == user_id))).scalar()
            if chat_id is not None:
                await outbox.cancel(db, chat_id=chat_id, kind=KIND)
            await db.execute(delete(Reminder).where(Reminder.user_id == user_id))

    # --- organisers ---------------------------------------------------------------------------------

    async def schedule_event_wide(self, target: str, minutes_before: int, created_by: int | None = None) -> EventReminderView:
        """"Day 2 starts in 30 minutes" for everyone: `target` is a day id, a day number or a session id."""
        if not 1 <= minutes_before <= 24 * 60:
            raise ReminderError("the lead time must be between 1 and 1440 minutes")
        snap, now = await self.events.snapshot(), self.now()
        day_id, session_id = _resolve_target(snap, target)
        starts_at = _target_start(snap, day_id, session_id)
        if starts_at is None:
            raise ReminderError(f"{target!r} has no session left to announce")
        if starts_at <= now:
            raise ReminderError(f"{target!r} has already started")
        async with self.database.session() as db:
            row = EventReminder(day_id=day_id, session_id=session_id, minutes_before=minutes_before, status=SCHEDULED,
                                created_by=created_by, created_at=now)
            db.add(row)
            await db.flush()
            return _event_view(row, snap)

    async def event_wide(self, *, scheduled_only: bool = True) -> list[EventReminderView]:
        snap = await self.events.snapshot()
        async with self.database.session() as db:
            query = select(EventReminder).order_by(EventReminder.id)
            if scheduled_only:
                query = query.where(EventReminder.status == SCHEDULED)
            return [_event_view(row, snap) for row in (await db.execute(query)).scalars()]

    async def withdraw_event_wide(self, reminder_id: int) -> bool:
        async with self.database.session() as db:
            result = await db.execute(
                update(EventReminder).where(EventReminder.id == reminder_id, EventReminder.status == SCHEDULED)
                .values(status=WITHDRAWN).execution_options(synchronize_session=False)
            )
            return bool(affected(result))

    # --- the clock work -------------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """One pass of the scheduler (see the module docstring). Safe to run often and concurrently."""
        snap, now = await self.events.snapshot(), self.now()
        translators = _Translators(snap)
        rearmed = await self._rearm_moved(now)
        cancelled = await self._notify_cancelled(snap, translators, now)
        queued = await self._queue_due(snap, translators, now)
        missed = await self._mark_missed(now)
        event_wide = await self._release_event_wide(snap, translators, now)
        return TickReport(rearmed, cancelled, queued, missed, event_wide)

    def _due(self, now: datetime) -> Any:
        """SQL: the session starts within the delegate's lead time (the lead column or the default)."""
        lead = func.coalesce(Delegate.reminder_lead_minutes, self.default_lead)
        known = sorted(set(replies.LEAD_CHOICES) | {self.default_lead})
        within = [and_(lead == m, Session.starts_at <= now + timedelta(minutes=m)) for m in known]
        within.append(and_(lead.notin_(known), Session.starts_at <= now + timedelta(minutes=self.default_lead)))
        return or_(*within)

    async def _queue_due(self, snap: EventSnapshot, translators: _Translators, now: datetime) -> int:
        horizon = now + timedelta(minutes=max(*replies.LEAD_CHOICES, self.default_lead))
        query = (
            select(Reminder.id, Reminder.session_id, Reminder.moved_from, Session.starts_at, Delegate.chat_id, Delegate.language, Delegate.verified)
            .join(Session, Session.id == Reminder.session_id)
            .join(Delegate, Delegate.user_id == Reminder.user_id)
            .where(Reminder.status == WAITING, Session.cancelled.is_(False), Delegate.active.is_(True))
            .where(Session.starts_at > now, Session.starts_at <= horizon, self._due(now))
            .order_by(Session.starts_at, Reminder.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True, of=Reminder)
        )
        total = 0
        while True:
            async with self.database.session() as db:
                rows = (await db.execute(query)).all()
                messages, claimed = [], []
                for rid, session_id, moved_from, starts_at, chat_id, language, verified in rows:
                    s = session_by_id(snap, session_id)
                    if s is None or s.starts_at != starts_at:
                        continue  # an import landed after the snapshot: the next tick sees it whole
                    s = as_seen_by(s, verified)  # the dinner's room only for verified delegates
                    reply = translators.render(language, ("reminder", session_id, moved_from, s.withheld),
                                               partial(replies.reminder, s=s, now=now, moved_from=moved_from))
                    messages.append(Outgoing(chat_id, (reply,), KIND, dedupe_key(rid, starts_at), now,
                                             source_id=f"session:{session_id}", priority=PRIORITY_REMINDER, expires_at=starts_at))
                    claimed.append({"b_id": rid, "b_for": starts_at})
                await outbox.enqueue(db, messages, now)
                if claimed:
                    table = Reminder.__table__
                    await db.execute(
                        table.update().where(table.c.id == bindparam("b_id"))
                        .values(status=QUEUED, queued_for=bindparam("b_for"), queued_at=now), claimed,
                    )
            total += len(claimed)
            if len(rows) < BATCH or not claimed:
                return total

    async def _mark_missed(self, now: datetime) -> int:
        started = select(Session.id).where(Session.starts_at <= now).scalar_subquery()
        start_of = select(Session.starts_at).where(Session.id == Reminder.session_id).scalar_subquery()
        async with self.database.session() as db:
            result = await db.execute(
                update(Reminder).where(Reminder.status == WAITING, Reminder.session_id.in_(started))
                .values(status=MISSED, queued_for=start_of).execution_options(synchronize_session=False)
            )
            return affected(result)

    async def _rearm_moved(self, now: datetime) -> int:
        """A reminder announced (or missed) for a start the session no longer has waits again."""
        async with self.database.session() as db:
            rows = (await db.execute(
                select(Reminder)
                .join(Session, Session.id == Reminder.session_id)
                .where(Reminder.status.in_([QUEUED, MISSED]), Reminder.queued_for.is_not(None))
                .where(Reminder.queued_for != Session.starts_at, Session.starts_at > now, Session.cancelled.is_(False))
                .with_for_update(skip_locked=True, of=Reminder)
            )).scalars().all()
            for row in rows:
                await outbox.cancel(db, dedupe_prefix=f"reminder:{row.id}:")
                row.moved_from = row.moved_from or (row.queued_for if row.status == QUEUED else None)
                row.status, row.queued_for = WAITING, None
            restored = await db.execute(
                update(Reminder)
                .where(Reminder.status == SESSION_CANCELLED)
                .where(Reminder.session_id.in_(select(Session.id).where(Session.cancelled.is_(False), Session.starts_at > now)))
                .values(status=WAITING, queued_for=None).execution_options(synchronize_session=False)
            )
            return len(rows) + affected(restored)

    async def _notify_cancelled(self, snap: EventSnapshot, translators: _Translators, now: datetime) -> int:
        async with self.database.session() as db:
            rows = (await db.execute(
                select(Reminder.id, Reminder.session_id, Session.starts_at, Session.ends_at, Delegate.chat_id, Delegate.language, Delegate.active)
                .join(Session, Session.id == Reminder.session_id)
                .join(Delegate, Delegate.user_id == Reminder.user_id)
                .where(Reminder.status.in_([WAITING, QUEUED]), Session.cancelled.is_(True))
                .with_for_update(skip_locked=True, of=Reminder)
            )).all()
            if not rows:
                return 0
            messages = []
            for rid, session_id, starts_at, ends_at, chat_id, language, active in rows:
                await outbox.cancel(db, dedupe_prefix=f"reminder:{rid}:")
                s = session_by_id(snap, session_id)
                if s is None or not active or ends_at <= now:
                    continue
                reply = translators.render(language, ("cancelled", session_id), partial(replies.session_cancelled, s=s))
                messages.append(Outgoing(chat_id, (reply,), KIND, f"reminder-cancelled:{rid}:{int(starts_at.timestamp())}", now,
                                         source_id=f"session:{session_id}", priority=PRIORITY_REMINDER, expires_at=ends_at))
            await outbox.enqueue(db, messages, now)
            await db.execute(
                update(Reminder).where(Reminder.id.in_([r[0] for r in rows]))
                .values(status=SESSION_CANCELLED).execution_options(synchronize_session=False)
            )
            return len(messages)

    async def _release_event_wide(self, snap: EventSnapshot, translators: _Translators, now: datetime) -> int:
        async with self.database.session() as db:
            due = (await db.execute(select(EventReminder).where(EventReminder.status == SCHEDULED))).scalars().all()
        queued = 0
        for row in due:
            starts_at = _target_start(snap, row.day_id, row.session_id)
            if starts_at is None or starts_at <= now:
                await self._settle_event_wide(row.id, LAPSED, now)
            elif starts_at - timedelta(minutes=row.minutes_before) <= now:
                queued += await self._fan_out(snap, translators, row, starts_at, now)
        return queued

    async def _settle_event_wide(self, reminder_id: int, status: str, now: datetime) -> None:
        async with self.database.session() as db:
            await db.execute(
                update(EventReminder).where(EventReminder.id == reminder_id, EventReminder.status == SCHEDULED)
                .values(status=status, released_at=now).execution_options(synchronize_session=False)
            )

    async def _fan_out(self, snap: EventSnapshot, translators: _Translators, row: EventReminder, starts_at: datetime, now: datetime) -> int:
        """Claims the event-wide reminder (only one process wins) and queues one message per delegate,
        in the same transaction: either everyone is queued or nobody is."""
        day = day_by_id(snap, row.day_id) if row.day_id else None
        s = session_by_id(snap, row.session_id) if row.session_id else None
        async with self.database.session() as db:
            won = await db.execute(
                update(EventReminder).where(EventReminder.id == row.id, EventReminder.status == SCHEDULED)
                .values(status=RELEASED, released_at=now).execution_options(synchronize_session=False)
            )
            if not affected(won):
                return 0
            people = (await db.execute(select(Delegate.chat_id, Delegate.language).where(Delegate.active.is_(True)))).all()
            messages = [
                Outgoing(chat_id, (translators.render(language, ("event", row.id), lambda tr: replies.event_wide(tr, snap, starts_at, now, day, s)),),
                         KIND, f"event-reminder:{row.id}:{chat_id}", now, source_id=f"event-reminder:{row.id}",
                         priority=PRIORITY_REMINDER, expires_at=starts_at)
                for chat_id, language in people
            ]
            queued = await outbox.enqueue(db, messages, now)
            await db.execute(update(EventReminder).where(EventReminder.id == row.id).values(recipients=len(messages))
                             .execution_options(synchronize_session=False))
            return queued


async def follow_programme_changes(db: AsyncSession, moved: Iterable[str], cancelled: Iterable[str]) -> None:
    """In the transaction that moves or cancels sessions (a schedule sync), before any tick sees it:
    reminder messages still waiting for the old start are withdrawn (a reminder never goes out at an
    old time; the next tick queues it for the new one), and reminders of cancelled sessions are
    settled, because the caller tells those delegates itself (one message, not two)."""
    moved, cancelled = list(moved), list(cancelled)
    sources = [f"session:{session_id}" for session_id in moved + cancelled]
    for start in range(0, len(sources), 500):
        await db.execute(
            update(OutboxMessage).where(OutboxMessage.status == PENDING, OutboxMessage.kind == KIND,
                                        OutboxMessage.source_id.in_(sources[start : start + 500]))  # type: ignore[union-attr]
            .values(status=CANCELLED).execution_options(synchronize_session=False)
        )
    for start in range(0, len(cancelled), 500):
        await db.execute(
            update(Reminder).where(Reminder.session_id.in_(cancelled[start : start + 500]), Reminder.status.in_([WAITING, QUEUED]))
            .values(status=SESSION_CANCELLED).execution_options(synchronize_session=False)
        )


class _Translators:
    """One Translator per language and one rendering per (language, what) within a tick: 50 000
    reminders for ten sessions in three languages are thirty renderings, not 50 000."""

    def __init__(self, snap: EventSnapshot) -> None:
        self.snap = snap
        self._translators: dict[str, Translator] = {}
        self._rendered: dict[tuple[str, tuple[object, ...]], Reply] = {}

    def get(self, language: str) -> Translator:
        tr = self._translators.get(language)
        if tr is None:
            tr = self._translators[language] = Translator(language, self.snap.timezone, self.snap.default_language)
        return tr

    def render(self, language: str, key: tuple[object, ...], build: Callable[[Translator], Reply]) -> Reply:
        found = self._rendered.get((language, key))
        if found is None:
            found = self._rendered[(language, key)] = build(self.get(language))
        return found


async def _insert_ignoring_duplicates(db: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """A double press on "Remind me" (two updates at once) must not fail on the unique constraint."""
    dialect = db.bind.dialect.name if db.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await db.execute(insert(Reminder).values(rows).on_conflict_do_nothing(index_elements=["user_id", "session_id"]))


def _resolve_target(snap: EventSnapshot, target: str) -> tuple[str | None, str | None]:
    """(day id, session id) for "day-2", "2", "Day 2" or a session id."""
    wanted = target.strip()
    for day in snap.days:
        labels = {day.id.casefold(), str(day.index), *(label.casefold() for label in day.label.values())}
        if wanted.casefold() in labels:
            return day.id, None
    if session_by_id(snap, wanted) is not None:
        return None, wanted
    days = ", ".join(d.id for d in snap.days)
    raise ReminderError(f"unknown day or session {target!r}: use a day ({days}) or a session id from the event file")


def _target_start(snap: EventSnapshot, day_id: str | None, session_id: str | None) -> datetime | None:
    if session_id is not None:
        s = session_by_id(snap, session_id)
        return s.starts_at if s is not None and not s.cancelled else None
    starts = [s.starts_at for s in sessions_on(snap, day_id or "")]
    return min(starts) if starts else None


def _event_view(row: EventReminder, snap: EventSnapshot) -> EventReminderView:
    starts_at = _target_start(snap, row.day_id, row.session_id)
    due = starts_at - timedelta(minutes=row.minutes_before) if starts_at else None
    return EventReminderView(row.id, row.day_id, row.session_id, row.minutes_before, row.status, due, starts_at, row.recipients)

