"""Change alerts: after a sync, each delegate with a reminder on a changed talk gets one message
listing their changes (old → new) in their language, and organisers get the summary.

Queued in the outbox in the transaction that changes the programme, keyed by the sync's id: a
sync either changes the programme and queues its alerts, or does neither; a retry queues nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers.reply import Button, Reply, b, callback, esc, rows
from bot.delegates.models import Delegate, RoleGrant
from bot.event.models import Event, Room
from bot.i18n import Translator, pick
from bot.outbox import service as outbox
from bot.outbox.service import PRIORITY_REMINDER, Outgoing
from bot.reminders.models import Reminder
from bot.reminders.service import follow_programme_changes
from bot.schedule.importer import Change, ScheduleChanges

KIND = "schedule"  # outbox kind
MAX_LISTED = 10  # changes listed in one alert; the rest are counted (the alert stays one Telegram message)
MAX_TITLE = 120


class _Programme:
    """What the alert texts need besides the changes: the event's zone and the rooms' names."""

    def __init__(self, event: Event, rooms: dict[str, dict[str, str]]) -> None:
        self.event = event
        self.rooms = rooms
        self._translators: dict[str, Translator] = {}

    def translator(self, language: str) -> Translator:
        if language not in self._translators:
            self._translators[language] = Translator(language, self.event.timezone, self.event.default_language)
        return self._translators[language]

    def room(self, tr: Translator, room_id: str | None) -> str:
        return pick(self.rooms.get(room_id or ""), tr.language, self.event.default_language) or "?"


def _when(tr: Translator, instant: datetime, other: datetime | None) -> str:
    """The time alone when the other end of the change is on the same day, else day and time."""
    if other is not None and tr.local(instant).date() == tr.local(other).date():
        return tr.time(instant)
    return tr._("{day}, {time}").format(day=tr.day_short(instant), time=tr.time(instant))


def change_line(tr: Translator, programme: _Programme, c: Change) -> str:
    title = b(c.title if len(c.title) <= MAX_TITLE else c.title[: MAX_TITLE - 1] + "…")
    if "cancelled" in c.kinds:
        when = _when(tr, c.old_start, None) if c.old_start else ""
        return "❌ " + title + " " + esc(tr._("({when}) has been cancelled.").format(when=when))
    parts = []
    if "restored" in c.kinds and c.new_start is not None:
        parts.append("✅ " + esc(tr._("back on the programme: {when}, {room}").format(
            when=_when(tr, c.new_start, None), room=programme.room(tr, c.new_room))))
    if "moved" in c.kinds and c.old_start is not None and c.new_start is not None:
        parts.append("🕒 " + esc(f"{_when(tr, c.old_start, c.new_start)} → {_when(tr, c.new_start, c.old_start)}"))
    if "room" in c.kinds:
        parts.append("📍 " + esc(f"{programme.room(tr, c.old_room)} → {programme.room(tr, c.new_room)}"))
    if "new" in c.kinds and c.new_start is not None:
        parts.append("🆕 " + esc(f"{_when(tr, c.new_start, None)}, {programme.room(tr, c.new_room)}"))
    return title + "\n" + "\n".join(parts)


def delegate_alert(tr: Translator, programme: _Programme, changes: list[Change]) -> Reply:
    lines = ["📅 " + b(tr._("The programme has changed for sessions you asked me to remind you about:"))]
    lines += [change_line(tr, programme, c) for c in changes[:MAX_LISTED]]
    if len(changes) > MAX_LISTED:
        lines.append(esc(tr.ngettext("…and {count} more change.", "…and {count} more changes.", len(changes) - MAX_LISTED).format(count=len(changes) - MAX_LISTED)))
    if any("cancelled" not in c.kinds for c in changes):
        lines.append(esc(tr._("Your reminders follow the new times.")))
    buttons = [Button("ℹ️ " + (c.title if len(c.title) <= 40 else c.title[:39] + "…"), callback("s", c.session_id))
               for c in changes if "cancelled" not in c.kinds][:5]
    return Reply("\n\n".join(lines), rows(buttons, 1))


def organiser_summary(tr: Translator, changes: ScheduleChanges, told: int) -> Reply:
    counts = changes.summary
    parts = [
        tr.ngettext("{count} talk moved", "{count} talks moved", counts["moved"]).format(count=counts["moved"]),
        tr.ngettext("{count} room changed", "{count} rooms changed", counts["room"]).format(count=counts["room"]),
        tr.ngettext("{count} talk cancelled", "{count} talks cancelled", counts["cancelled"]).format(count=counts["cancelled"]),
        tr.ngettext("{count} talk restored", "{count} talks restored", counts["restored"]).format(count=counts["restored"]),
        tr.ngettext("{count} new talk", "{count} new talks", counts["new"]).format(count=counts["new"]),
    ]
    shown = [text for text, n in zip(parts, (counts[k] for k in ("moved", "room", "cancelled", "restored", "new")), strict=True) if n]
    head = tr._("The schedule was updated: {changes}.").format(changes=tr.join(shown) or tr._("details only"))
    note = tr.ngettext("{count} delegate with reminders was told.", "{count} delegates with reminders were told.", told).format(count=told)
    return Reply("🗓 " + b(head) + "\n" + esc(note))


def organiser_failure(tr: Translator, error: str, since: datetime) -> Reply:
    text = tr._("The schedule cannot be updated since {when}: {error}. Delegates still see the last good programme; I will tell you when it works again.")
    return Reply("⚠️ " + esc(text.format(when=tr.datetime(since, "short"), error=error)))


def organiser_recovered(tr: Translator) -> Reply:
    return Reply("✅ " + esc(tr._("The schedule updates again.")))


async def organisers(db: AsyncSession, configured: Iterable[int]) -> list[tuple[int, str | None]]:
    """(chat id, language) of every organiser: ORGANISER_IDS and the CLI's grants."""
    ids = set(configured) | set((await db.execute(select(RoleGrant.user_id).where(RoleGrant.role == "organiser"))).scalars())
    rows = (await db.execute(select(Delegate.user_id, Delegate.language).where(Delegate.user_id.in_(ids)))).all() if ids else []
    known: dict[int, str] = {uid: language for uid, language in rows}
    return [(uid, known.get(uid)) for uid in sorted(ids)]


async def _programme(db: AsyncSession) -> _Programme:
    event = (await db.execute(select(Event))).scalars().one()
    rooms = {r.id: r.name for r in (await db.execute(select(Room))).scalars()}
    return _Programme(event, rooms)


async def tell_organisers(db: AsyncSession, build: Callable[[Translator], Reply], key: str, now: datetime, configured: Iterable[int]) -> int:
    """Queues build(tr) -> Reply for every organiser in their language, once per `key`."""
    programme = await _programme(db)
    messages = [
        Outgoing(uid, (build(programme.translator(language or programme.event.default_language)),),
                 KIND, f"{key}:{uid}", now, priority=PRIORITY_REMINDER)
        for uid, language in await organisers(db, configured)
    ]
    return await outbox.enqueue(db, messages, now)


async def queue_alerts(db: AsyncSession, changes: ScheduleChanges, sync_id: int, now: datetime, organiser_ids: Iterable[int]) -> int:
    """One alert per delegate holding a reminder on a changed talk; the organisers' summary.
    Returns how many delegates were told."""
    alerted = [c for c in changes.changes if set(c.kinds) & {"moved", "room", "cancelled", "restored"}]
    await follow_programme_changes(
        db, [c.session_id for c in alerted if "moved" in c.kinds], [c.session_id for c in alerted if "cancelled" in c.kinds])
    by_session = {c.session_id: c for c in alerted}
    told = 0
    if by_session:
        programme = await _programme(db)
        holders = (await db.execute(
            select(Reminder.user_id, Reminder.session_id, Delegate.chat_id, Delegate.language)
            .join(Delegate, Delegate.user_id == Reminder.user_id)
            .where(Reminder.session_id.in_(list(by_session)), Delegate.active.is_(True))
            .order_by(Reminder.user_id)
        )).all()
        per_delegate: dict[int, tuple[int, str, list[Change]]] = {}
        for user_id, session_id, chat_id, language in holders:
            per_delegate.setdefault(user_id, (chat_id, language, []))[2].append(by_session[session_id])
        messages = [
            Outgoing(chat_id, (delegate_alert(programme.translator(language), programme, items),), KIND,
                     f"schedule-alert:{sync_id}:{user_id}", now, source_id=f"schedule-sync:{sync_id}", priority=PRIORITY_REMINDER)
            for user_id, (chat_id, language, items) in per_delegate.items()
        ]
        told = await outbox.enqueue(db, messages, now)
    if set(changes.summary) and any(changes.summary[k] for k in ("moved", "room", "cancelled", "restored", "new")):
        await tell_organisers(db, lambda tr: organiser_summary(tr, changes, told), f"schedule-summary:{sync_id}", now, organiser_ids)
    return told
