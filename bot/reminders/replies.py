"""What the reminders feature says, in the delegate's language: Replies built from event data.

Pure functions of a Translator, the event snapshot and the clock; the service queues some of them in
the outbox, the handlers send the others. Every event value is escaped; times and durations are
formatted by Babel in the event's time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from babel.units import format_unit

from bot.answers.format import day_title, session_line, session_name
from bot.answers.reply import Button, Reply, b, callback, esc, rows
from bot.event.service import DayView, EventSnapshot, SessionView, day_by_id
from bot.i18n import Translator

LEAD_CHOICES: tuple[int, ...] = (5, 15, 30, 60)

# Callback kinds (registered by the feature: Feature.callbacks)
SUBSCRIBE = "rm"  # rm:<session id>        (also rendered by bot/answers: "Remind me")
SUBSCRIBE_DAY = "rmd"  # rmd:<day id>
UNSUBSCRIBE = "rmx"  # rmx:<session id>
SET_LEAD = "rl"  # rl:<minutes>
LIST = "rml"  # rml:
CALENDAR = "ics"  # ics:
WITHDRAW = "rmw"  # rmw:<event reminder id>   (organisers)


def lead_text(tr: Translator, minutes: int) -> str:
    """"15 minutes", "1 hour": a lead is exact, so whole hours read as hours (tr.duration says "60 minutes")."""
    if minutes >= 60 and minutes % 60 == 0:
        return format_unit(minutes // 60, "duration-hour", length="long", locale=tr.locale)
    return tr.duration(timedelta(minutes=minutes))


def when_text(tr: Translator, s: SessionView) -> str:
    """'Tuesday, 10 September 2019, 13:30, Grand Ballroom' in the delegate's locale."""
    when = tr._("{day}, {time}").format(day=tr.date(s.starts_at), time=tr.time(s.starts_at))
    return tr._("{when}, {room}").format(when=when, room=tr.pick(s.room.name)) if s.room else when


def session_buttons(tr: Translator, s: SessionView) -> tuple[tuple[Button, ...], ...]:
    return rows([Button("ℹ️ " + tr._("Details"), callback("s", s.id)), Button("📍 " + tr._("Venue"), "venue:")])


# --- what the outbox delivers ---------------------------------------------------------------------


def reminder(tr: Translator, s: SessionView, now: datetime, moved_from: datetime | None = None) -> Reply:
    """The reminder itself: title, how soon, the time and the room, and where to find out more."""
    lines = ["🔔 " + b(session_name(tr, s))]
    soon = tr._("Starts in {duration}, at {time}.").format(duration=tr.duration(s.starts_at - now), time=tr.time(s.starts_at))
    lines.append(esc(soon))
    if s.room is not None:
        lines.append("📍 " + esc(tr.pick(s.room.name)))
    if moved_from is not None and moved_from != s.starts_at:
        before = tr.time(moved_from) if tr.local(moved_from).date() == tr.local(s.starts_at).date() else tr.datetime(moved_from, "short")
        lines.append("⚠️ " + esc(tr._("New time: this session was moved from {time}.").format(time=before)))
    return Reply("\n".join(lines), session_buttons(tr, s))


def session_cancelled(tr: Translator, s: SessionView) -> Reply:
    text = tr._("{title} has been cancelled. It was planned for {when}.").format(title=session_name(tr, s), when=when_text(tr, s))
    note = tr._("Your reminder for it is withdrawn.")
    return Reply("❌ " + esc(text) + "\n" + esc(note), rows([Button("⏱ " + tr._("Now & next"), "now:"), Button("🔔 " + tr._("My reminders"), callback(LIST))]))


def event_wide(tr: Translator, snap: EventSnapshot, starts_at: datetime, now: datetime, day: DayView | None, s: SessionView | None) -> Reply:
    """"Day 2 starts in 30 minutes" for everyone, or the same for one session."""
    duration, time = tr.duration(starts_at - now), tr.time(starts_at)
    if s is not None:
        head = tr._("{title} starts in {duration}, at {time}.").format(title=session_name(tr, s), duration=duration, time=time)
        lines = ["📣 " + esc(head)]
        if s.room is not None:
            lines.append("📍 " + esc(tr.pick(s.room.name)))
        return Reply("\n".join(lines), session_buttons(tr, s))
    assert day is not None
    head = tr._("{day} starts in {duration}, at {time}.").format(day=tr.pick(day.label), duration=duration, time=time)
    first = [x for x in snap.sessions if x.day_id == day.id and not x.cancelled and x.starts_at == starts_at]
    lines = ["📣 " + b(head)] + [session_line(tr, x) for x in first]
    buttons = rows([Button("📅 " + tr.pick(day.label), callback("day", day.id)), Button("📍 " + tr._("Venue"), "venue:")])
    return Reply("\n".join(lines), buttons)


# --- answers to the delegate ------------------------------------------------------------------------


def lead_buttons(tr: Translator, current: int) -> tuple[Button, ...]:
    return tuple(
        Button(("✓ " if minutes == current else "") + lead_text(tr, minutes), callback(SET_LEAD, str(minutes)))
        for minutes in LEAD_CHOICES
    )


def subscribed(tr: Translator, added: Sequence[SessionView], already: Sequence[SessionView],
               refused: Sequence[tuple[SessionView, str]], lead: int, day: DayView | None = None) -> Reply:
    """The answer to "remind me": what was set, what was already set, and what cannot be."""
    lines: list[str] = []
    if len(added) == 1 and not already and day is None:
        s = added[0]
        lines.append("🔔 " + esc(tr._("Done: I'll remind you {lead} before {title} ({when}).").format(
            lead=lead_text(tr, lead), title=session_name(tr, s), when=when_text(tr, s))))
    elif added:
        intro = tr._("Done: I'll remind you {lead} before each of these sessions of {day}:") if day is not None else tr._("Done: I'll remind you {lead} before each of these sessions:")
        lines.append("🔔 " + esc(intro.format(lead=lead_text(tr, lead), day=tr.pick(day.label) if day else "")))
        lines += [session_line(tr, s) for s in added]
    for s in already:
        lines.append("✓ " + esc(tr._("You already have a reminder for {title}.").format(title=session_name(tr, s))))
    for s, reason in refused:
        if reason == "cancelled":
            text = tr._("{title} has been cancelled, so there is nothing to remind you of.")
        else:
            text = tr._("{title} has already started, so it is too late for a reminder.")
        lines.append("• " + esc(text.format(title=session_name(tr, s))))
    if not lines:
        lines.append(esc(tr._("There are no more sessions to remind you about.")))
    if added or already:
        lines.append(esc(tr._("How long before should I remind you?")))
        return Reply("\n".join(lines), (lead_buttons(tr, lead), (Button("🔔 " + tr._("My reminders"), callback(LIST)),)))
    return Reply("\n".join(lines))


def reminder_list(tr: Translator, entries: Sequence[tuple[SessionView, str]], lead: int, now: datetime, note: str | None = None) -> Reply:
    """/reminders: the delegate's coming reminders, each with a button to cancel it, and the lead time."""
    lines = [esc(note)] if note else []
    upcoming = [(s, status) for s, status in entries if s.ends_at > now]
    if not upcoming:
        lines.append(esc(tr._("You have no reminders. Open a session (/agenda) and press “Remind me”, or write “remind me about session 2”.")))
        return Reply("\n".join(lines))
    lines.append(b(tr._("Your reminders")) + " — " + esc(tr._("I remind you {lead} before each session.").format(lead=lead_text(tr, lead))))
    for s, status in upcoming:
        mark = {"queued": " ✓", "session_cancelled": " ❌", "missed": ""}.get(status, "")
        lines.append(f"{esc(tr.day_short(s.starts_at))} {session_line(tr, s, now)}{mark}")
    cancel = [Button("✖️ " + _short(f"{tr.time(s.starts_at)} {session_name(tr, s)}"), callback(UNSUBSCRIBE, s.id)) for s, _ in upcoming]
    return Reply("\n".join(lines), rows(cancel, 1) + (lead_buttons(tr, lead), (Button("📅 " + tr._("Add to my calendar"), callback(CALENDAR)),)))


def my_agenda(tr: Translator, snap: EventSnapshot, sessions: Sequence[SessionView], now: datetime) -> Reply:
    """/myagenda: the delegate's sessions by day, and the calendar file."""
    if not sessions:
        return Reply(esc(tr._("Your agenda is empty. Open a session (/agenda) and press “Remind me” to add it.")))
    lines = [b(tr._("My agenda"))]
    for day in snap.days:
        mine = [s for s in sessions if s.day_id == day.id]
        if mine:
            lines += ["", b(day_title(tr, day))]
            lines += [session_line(tr, s, now) + (" ❌" if s.cancelled else "") for s in mine]
    buttons = rows([Button("📅 " + tr._("Add to my calendar"), callback(CALENDAR)), Button("🔔 " + tr._("My reminders"), callback(LIST))])
    return Reply("\n".join(lines), buttons)


def calendar_caption(tr: Translator) -> str:
    return esc(tr._("Open this file to add your sessions to your phone's calendar."))


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- organisers --------------------------------------------------------------------------------------


def event_wide_usage(tr: Translator, snap: EventSnapshot, scheduled: Sequence[tuple[int, str, int, datetime | None]]) -> Reply:
    """/remindall without arguments: how to use it, and the event-wide reminders already scheduled."""
    days = ", ".join(f"{d.id} ({tr.pick(d.label)})" for d in snap.days)
    lines = [
        b(tr._("Reminders for all delegates")),
        esc(tr._("Usage: /remindall DAY MINUTES, e.g. /remindall {day} 30 sends “{label} starts in 30 minutes” to every delegate.").format(
            day=snap.days[-1].id if snap.days else "day-1", label=tr.pick(snap.days[-1].label) if snap.days else "")),
        esc(tr._("DAY is one of: {days}; a session id works too.").format(days=days)),
    ]
    buttons: list[Button] = []
    if scheduled:
        lines += ["", b(tr._("Scheduled"))]
        for rid, target, minutes, at in scheduled:
            when = tr.datetime(at, "short") if at else "—"
            lines.append(esc(tr._("#{id}: {target}, {minutes} min before (at {when})").format(id=rid, target=target, minutes=minutes, when=when)))
            buttons.append(Button("✖️ " + tr._("Withdraw #{id}").format(id=rid), callback(WITHDRAW, str(rid))))
    return Reply("\n".join(lines), rows(buttons, 2))


def event_wide_scheduled(tr: Translator, target: str, minutes: int, at: datetime, now: datetime) -> Reply:
    if at <= now:
        text = tr._("Sending now to all delegates: {target} starts in {minutes} minutes or less.")
    else:
        text = tr._("Scheduled: at {when}, all delegates will be told that {target} starts in {minutes} minutes.")
    return Reply("📣 " + esc(text.format(target=target, minutes=minutes, when=tr.datetime(at, "short"))))


def target_name(tr: Translator, snap: EventSnapshot, day_id: str | None, session: SessionView | None) -> str:
    if session is not None:
        return session_name(tr, session)
    day = day_by_id(snap, day_id or "")
    return tr.pick(day.label) if day else (day_id or "")
