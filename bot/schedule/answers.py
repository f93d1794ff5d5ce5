"""Questions about an imported programme, answered by the search: "when does <speaker> talk",
"talks about eBPF", "what's in the databases track", "anything on Rust tomorrow morning", "what's
on in room X now". The best few come first, with a "More" button for the rest.

An AnswerService hook: it answers only when the programme comes from a schedule export, and leaves
everything else (and the event file's own programme) to the built-in answers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.answers.days import resolve_day
from bot.answers.format import session_button, session_buttons, session_detail, session_line
from bot.answers.reply import Answer, Button, Reply, b, esc, rows
from bot.answers.service import Question, day_buttons, speaker_reply
from bot.event.service import DayView, EventSnapshot, RoomView, SessionView, active_sessions
from bot.i18n import Translator
from bot.schedule.search import ProgrammeIndex, Query, SearchIndexes

PAGE = 5
MORE = "sm"  # callback: sm:<offset>:<day index or 0>:<low-high hours or ->:<terms>
SEARCHED = {"ask_session", "ask_speaker", "ask_speakers", "ask_agenda", "set_reminder"}


def more_data(query: Query, day: DayView | None, offset: int) -> str:
    """The "More" button's callback: the query itself (mended terms), cut to 64 bytes by words."""
    hours = f"{query.hours[0]}-{query.hours[1]}" if query.hours else "-"
    head = f"{MORE}:{offset}:{day.index if day else 0}:{hours}:"
    terms: list[str] = []
    for term in query.terms:
        if len((head + " ".join([*terms, term])).encode("utf-8")) > 64:
            break
        terms.append(term)
    return head + " ".join(terms)


def parse_more(data: str) -> tuple[int, int, tuple[int, int] | None, Query] | None:
    """(offset, day index, hours, query) from a "More" button's argument, None when forged."""
    parts = data.split(":", 3)
    if len(parts) != 4 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    hours = None
    if parts[2] != "-":
        low, _, high = parts[2].partition("-")
        if not (low.isdigit() and high.isdigit()):
            return None
        hours = (int(low), int(high))
    terms = tuple(t for t in parts[3].split() if t)
    return (int(parts[0]), int(parts[1]), hours, Query(terms, hours)) if terms else None


def dated_line(tr: Translator, s: SessionView) -> str:
    return f"{esc(tr.day_short(s.starts_at))} {session_line(tr, s)}"


def results(tr: Translator, index: ProgrammeIndex, query: Query, day: DayView | None, offset: int = 0) -> Reply:
    found = index.search(query, day_id=day.id if day else None, offset=offset, limit=PAGE)
    if not found.total:
        text = tr._("I found no talk about “{words}”. Try other words, a speaker's name, or browse the programme:").format(words=query.text)
        return Reply(esc(text), day_buttons(tr, index.snap))
    head = tr.ngettext("{count} talk about “{words}”:", "{count} talks about “{words}”:", found.total).format(count=found.total, words=query.text)
    lines = [b(head)] + [dated_line(tr, s) for s in found.sessions]
    buttons = rows([session_button(tr, s) for s in found.sessions], 1)
    if offset + PAGE < found.total:
        rest = found.total - offset - PAGE
        buttons += ((Button(tr.ngettext("More ({count})", "More ({count})", rest).format(count=rest) + " ➡️", more_data(query, day, offset + PAGE)),),)
    return Reply("\n".join(lines), buttons)


def room_now_next(tr: Translator, snap: EventSnapshot, room: RoomView, now: datetime) -> Answer:
    here = [s for s in active_sessions(snap) if s.room is not None and s.room.id == room.id and s.ends_at > now]
    running = [s for s in here if s.starts_at <= now]
    upcoming = [s for s in here if s.starts_at > now][:3]
    lines = [b(tr.pick(room.name))]
    if running:
        lines.append(b(tr._("Now")))
        lines += [session_line(tr, s, now) for s in running]
    else:
        lines.append(esc(tr._("Nothing is on in this room right now.")))
    if upcoming:
        lines.append(b(tr._("Next")))
        lines += [dated_line(tr, s) for s in upcoming]
    elif not running:
        lines.append(esc(tr._("Nothing more is planned in this room.")))
    return Answer.of(Reply("\n".join(lines), rows([session_button(tr, s) for s in running + upcoming], 1)), topic=f"room:{room.id}")


Card = Callable[[Translator, EventSnapshot, SessionView, datetime], Reply]


def plain_card(tr: Translator, snap: EventSnapshot, s: SessionView, now: datetime) -> Reply:
    """A session's card with the buttons every card has (the bot's own adds the features' buttons:
    AnswerService.session_card)."""
    return Reply(session_detail(tr, snap, s, now), rows(session_buttons(tr, s)))


class ProgrammeAnswers:
    """The hook: search-based answers for a programme imported from a schedule export."""

    def __init__(self, indexes: SearchIndexes, card: Card = plain_card) -> None:
        self.indexes = indexes
        self.card = card

    async def __call__(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer | None:
        if not snap.has_schedule or q.intent not in SEARCHED | {"ask_now_next"}:
            return None
        index = await self.indexes.of(snap)
        if q.intent == "ask_now_next":
            room = index.room(q.text)
            return room_now_next(tr, snap, room, now) if room is not None else None
        query = index.query(q.text)
        day, _ = resolve_day(snap, now, q.entity("day"), q.text)
        if not query.terms:
            return None  # "what's on tomorrow?", "who are the speakers?": the built-in answers
        speaker = index.speaker(query)
        if q.intent == "set_reminder":
            return self._reminder(tr, snap, index, query, day, now)
        if speaker is not None:
            return Answer.of(speaker_reply(tr, snap, speaker.id, now), topic=f"speaker:{speaker.id}")
        found = index.search(query, day_id=day.id if day else None, limit=2)
        if not found.total and q.intent in ("ask_agenda", "ask_speakers"):
            return None  # "jadwal hari kedua apa saja?": words of the question, not of the programme
        if q.intent == "ask_session" and found.total == 1:
            s = found.sessions[0]
            return Answer.of(self.card(tr, snap, s, now), topic=f"session:{s.id}")
        return Answer.of(results(tr, index, query, day), topic=q.intent)

    def _reminder(self, tr: Translator, snap: EventSnapshot, index: ProgrammeIndex, query: Query, day: DayView | None, now: datetime) -> Answer:
        found = index.search(query, day_id=day.id if day else None, limit=50)
        upcoming = [s for s in found.sessions if s.starts_at > now]
        if len(upcoming) == 1:
            return Answer.of(remind_session_ids=(upcoming[0].id,), topic="set_reminder")
        if not upcoming:
            return Answer.of(results(tr, index, query, day), topic="set_reminder")
        text = tr._("Which session should I remind you about?")
        buttons = [Button("🔔 " + session_button(tr, s).text, f"rm:{s.id}") for s in upcoming[:PAGE]]
        return Answer.of(Reply(esc(text), rows(buttons, 1)), topic="set_reminder")
