"""Rendering event data as text in the delegate's language (Babel for every date and time)."""

from __future__ import annotations

from datetime import datetime

from bot.answers.reply import Button, b, callback, esc
from bot.event.service import DayView, EventSnapshot, SessionView, SpeakerView
from bot.i18n import Translator


def session_name(tr: Translator, s: SessionView) -> str:
    """'Session 2: The Role of ...' where the event numbers it, else the title."""
    title = tr.pick(s.title)
    label = tr.pick(s.label) if s.label else ""
    if label and label.casefold() not in title.casefold():
        return f"{label}: {title}"
    if s.number is not None and not label and s.kind in ("session", "panel"):
        return tr._("Session {number}: {title}").format(number=s.number, title=title)
    return title


def session_line(tr: Translator, s: SessionView, now: datetime | None = None) -> str:
    room = f" · {esc(tr.pick(s.room.name))}" if s.room else ""
    marker = " ▶️" if now is not None and s.is_running(now) else ""
    return f"{b(tr.time_range(s.starts_at, s.ends_at))} {esc(session_name(tr, s))}{room}{marker}"


def day_title(tr: Translator, day: DayView) -> str:
    return f"{tr.pick(day.label)}, {tr.date(day.date)}"


def when_where(tr: Translator, s: SessionView) -> str:
    when = tr._("{day}, {start}–{end}").format(day=tr.date(s.starts_at), start=tr.time(s.starts_at), end=tr.time(s.ends_at))
    if s.room:
        return tr._("{when}, {room}").format(when=when, room=tr.pick(s.room.name))
    return when


def speaker_label(tr: Translator, sp: SpeakerView) -> str:
    role = tr.pick(sp.title)
    return f"{sp.name} ({role})" if role and sp.kind == "person" else sp.name


def session_detail(tr: Translator, snap: EventSnapshot, s: SessionView, now: datetime) -> str:
    parts = [b(session_name(tr, s)), "🕒 " + esc(when_where(tr, s))]
    if s.cancelled:
        parts.insert(1, "❌ " + esc(tr._("This session has been cancelled.")))
    elif s.is_running(now):
        parts.append("▶️ " + esc(tr._("Happening now.")))
    elif s.starts_at > now:
        parts.append("⏳ " + esc(tr._("Starts in {duration}.").format(duration=tr.duration(s.starts_at - now))))
    description = tr.pick(s.description)
    if description:
        parts.append(esc(description))
    if s.withheld and not s.cancelled:
        parts.append(verify_note(tr))
    speakers = [snap.speakers[i] for i in s.speaker_ids if i in snap.speakers]
    if speakers:
        parts.append(esc(tr._("Speakers: {names}").format(names=tr.join([speaker_label(tr, sp) for sp in speakers]))))
    return "\n".join(parts)


def verify_note(tr: Translator) -> str:
    """Said where details were left out for a delegate who is not verified (see event.public_view)."""
    return "🔒 " + esc(tr._("Some details are only for accredited delegates. To see them, send me the accreditation code from your invitation, or type /verify."))


def session_buttons(tr: Translator, s: SessionView) -> list[Button]:
    """The buttons every session's card has; features add their own (Feature.session_buttons)."""
    return [Button("🔔 " + tr._("Remind me"), callback("rm", s.id)), Button("📍 " + tr._("Venue"), "venue:")]


def session_button(tr: Translator, s: SessionView) -> Button:
    text = f"{tr.time(s.starts_at)} {session_name(tr, s)}"
    return Button(text if len(text) <= 60 else text[:59] + "…", callback("s", s.id))
