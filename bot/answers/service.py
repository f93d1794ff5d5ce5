"""From what the delegate asked (intent, entities, text) to what the assistant answers.

Answers come from the event data in the database, in the delegate's language; this module knows
nothing of Telegram or Rasa. What cannot be answered is handed off to the helpdesk, never guessed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.answers.browse import DAY_LIST_LIMIT, day_choice
from bot.answers.days import resolve_day
from bot.answers.format import (
    day_title,
    session_button,
    session_buttons,
    session_detail,
    session_line,
    session_name,
    speaker_label,
    verify_note,
    when_where,
)
from bot.answers.places import category_in, nearby_answer
from bot.answers.reply import Answer, Button, Reply, VenuePin, b, callback, esc, rows
from bot.event.service import (
    DayView,
    EventService,
    EventSnapshot,
    FaqView,
    SessionView,
    active_sessions,
    day_by_id,
    find_sessions,
    find_speakers,
    fold,
    now_and_next,
    session_by_id,
    sessions_on,
)
from bot.i18n import LANGUAGE_NAMES, Translator, normalise_language
from nlu.types import TOPIC_INTENTS

# Words of a registration question that is really about verifying oneself with an accreditation code.
ACCREDITATION_WORDS = {
    "verify", "verified", "verification", "accreditation", "accredited", "code", "akreditasi", "verifikasi",
    "kode", "kod", "pengesahan", "sahkan", "disahkan", "bertauliah",
}
SPEAKER_LIST_LIMIT = 40  # more speakers than this are found by name, not listed
HANDOFF_INTENTS = {"out_of_scope", "human_handoff", "nlu_fallback"}
FAQ_INTENTS: dict[str, tuple[str, ...]] = {}
"""intent -> the FAQ topics it answers (ask_directions: transport and airport), from nlu.types."""
for _topic, _intent in TOPIC_INTENTS.items():
    FAQ_INTENTS[_intent] = (*FAQ_INTENTS.get(_intent, ()), _topic)


@dataclass(frozen=True)
class Question:
    """A delegate's message as the NLU understood it."""

    text: str
    intent: str
    confidence: float
    entities: dict[str, list[str]]
    faq_entry: str | None = None  # with the intent `faq`: the organiser's FAQ entry asked for

    def entity(self, name: str) -> str | None:
        values = self.entities.get(name)
        return values[0] if values else None


CardButtons = Callable[[Translator, SessionView, datetime], Sequence[Button]]
AnswerFirst = Callable[[Translator, EventSnapshot, "Question", datetime], Awaitable["Answer | None"]]
AgendaButtons = Callable[[Translator], Sequence[Button]]
AGENDA_TOPICS = ("ask_agenda", "agenda:")  # answers that show the programme (the overview or a day)


async def _no_answer_first(tr: Translator, snap: EventSnapshot, question: Question, now: datetime) -> Answer | None:
    return None


class AnswerService:
    def __init__(self, events: EventService, now: Callable[[], datetime]) -> None:
        self.events = events
        self.now = now
        # Set by install_features: the buttons the features add to a session's card at a given
        # moment and under the programme (the Mini App's), and the features that answer some
        # questions before the built-in answers (the schedule's search of an imported programme).
        self.card_buttons: CardButtons = lambda tr, s, now: ()
        self.agenda_buttons: AgendaButtons = lambda tr: ()
        self.answer_first: AnswerFirst = _no_answer_first

    def session_card(self, tr: Translator, snap: EventSnapshot, s: SessionView, now: datetime) -> Reply:
        """One session's details with its buttons, as a card."""
        return Reply(session_detail(tr, snap, s, now), rows([*session_buttons(tr, s), *self.card_buttons(tr, s, now)]))

    def with_agenda_buttons(self, tr: Translator, answer: Answer) -> Answer:
        """A programme answer with the features' agenda buttons in a row under its first message."""
        extra = tuple(self.agenda_buttons(tr))
        if not extra or not answer.messages or not (answer.topic or "").startswith(AGENDA_TOPICS):
            return answer
        first = answer.messages[0]
        return replace(answer, messages=(replace(first, buttons=(*first.buttons, extra)), *answer.messages[1:]))

    async def translator(self, language: str) -> Translator:
        snap = await self.events.snapshot()
        return Translator(language, snap.timezone, snap.default_language)

    async def answer(self, question: Question, language: str, verified: bool = False) -> Answer:
        """verified: the delegate has redeemed an accreditation code and may see every detail."""
        snap = await self.events.view(verified)
        tr = Translator(language, snap.timezone, snap.default_language)
        if question.intent in HANDOFF_INTENTS:
            return self.handoff(tr, question.intent)
        if (found := await self.answer_first(tr, snap, question, self.now())) is not None:
            return found
        handler = getattr(self, f"_{question.intent}", None)
        if handler is None:
            return self.handoff(tr, "unknown_intent")
        answer: Answer = handler(tr, snap, question, self.now())
        return self.with_agenda_buttons(tr, answer)

    # --- conversation -----------------------------------------------------------------------
    def handoff(self, tr: Translator, reason: str) -> Answer:
        if reason == "human_handoff":
            text = tr._("I have passed your message to the helpdesk team; a person will answer you here shortly.")
        elif reason == "nlu_unavailable":
            text = tr._("I can't understand questions right now. I have passed yours to the helpdesk team, who will answer you here. The menu buttons still work.")
        else:
            text = tr._("I'm not sure I can answer that from the event information, so I have passed your question to the helpdesk team. They will answer you here.")
        return Answer.of(Reply(esc(text), menu_buttons(tr)), handoff=reason, topic=reason)

    def _greet(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        text = tr._("Hello! I'm the assistant of {event}. Ask me about the programme, the speakers, the venue, Wi-Fi, meals or anything else about the conference.").format(event=tr.pick(snap.name))
        return Answer.of(Reply(esc(text), menu_buttons(tr)), topic="greet")

    def _goodbye(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        return Answer.of(Reply(esc(tr._("Goodbye, and enjoy the conference! Write to me any time."))), topic="goodbye")

    def _thank(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        return Answer.of(Reply(esc(tr._("You're welcome! Anything else I can help with?"))), topic="thank")

    def _help(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        return help_answer(tr, snap)

    def _change_language(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        wanted = normalise_language(q.entity("language"), snap.languages) or _language_in_text(q.text, snap.languages)
        if wanted:
            return Answer.of(Reply(""), set_language=wanted, topic="change_language")
        return language_choice(tr, snap)

    # --- the event ---------------------------------------------------------------------------
    def _ask_event_info(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        first, last = snap.days[0].date, snap.days[-1].date
        lines = [
            b(tr.pick(snap.name)) + (f" ({esc(tr.pick(snap.short_name))})" if tr.pick(snap.short_name) != tr.pick(snap.name) else ""),
            esc(tr._("{first} – {last}, {venue}").format(first=tr.date(first, "long"), last=tr.date(last, "long"), venue=tr.pick(snap.venue.name))),
            esc(tr._("Hosted by {host}.").format(host=tr.pick(snap.host))),
            esc(tr.pick(snap.description)),
        ]
        if snap.outcomes:
            lines.append(b(tr._("Outcomes")) + "\n" + esc(tr.pick(snap.outcomes)))
        return Answer.of(Reply("\n\n".join(lines), menu_buttons(tr)), topic="ask_event_info")

    def _ask_participants(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        names = [tr.pick(name) for _, name, _ in snap.delegations]
        text = tr.ngettext("{count} delegation takes part: {names}.", "{count} delegations take part: {names}.", len(names)).format(count=len(names), names=tr.join(names))
        return Answer.of(Reply(esc(text) + "\n\n" + esc(tr.pick(snap.description))), topic="ask_participants")

    def _ask_venue(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        return venue_answer(tr, snap)

    def _ask_directions(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        v = snap.venue
        lines = [b(tr.pick(v.name)), esc(tr.pick(v.address)), esc(tr.pick(v.directions)), esc(tr.pick(v.transport))]
        lines += [esc(tr.pick(f.answer)) for f in snap.faq if f.topic in ("airport", "transport") and tr.pick(f.answer) not in tr.pick(v.transport)]
        pin = VenuePin(v.latitude, v.longitude, tr.pick(v.name), tr.pick(v.address))
        text = "\n\n".join(line for line in lines if line and line != "<b></b>")
        if not (v.latitude or v.longitude):
            return Answer.of(Reply(text or esc(tr._("I have no directions to the venue yet."))), topic="ask_directions")
        return Answer.of(Reply(text), Reply(venue=pin), topic="ask_directions")

    def _faq(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        """The organiser's FAQ entry the model picked (retrieval intent `faq/<entry id>`). A model
        trained on another event file may name an entry that is gone: the helpdesk answers then."""
        entries = [f for f in snap.faq if f.id == q.faq_entry]
        return self._faq_entries(tr, entries, f"faq:{q.faq_entry}")

    def _faq_topics(self, tr: Translator, snap: EventSnapshot, topics: Sequence[str], intent: str) -> Answer:
        return self._faq_entries(tr, [f for f in snap.faq if f.topic in topics], intent)

    def _faq_entries(self, tr: Translator, entries: Sequence[FaqView], topic: str) -> Answer:
        if not entries:
            return self.handoff(tr, "no_faq")
        parts = []
        for f in entries:
            part = f"{b(tr.pick(f.question))}\n{esc(tr.pick(f.answer))}"
            if f.verified_answer:
                part += "\n" + esc(tr.pick(f.verified_answer))
            parts.append(part)
        if any(f.withheld for f in entries):
            parts.append(verify_note(tr))
        return Answer.of(Reply("\n\n".join(parts)), topic=topic)

    def _ask_wifi(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        return self._faq_topics(tr, snap, FAQ_INTENTS["ask_wifi"], "ask_wifi")

    def _ask_dress_code(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        return self._faq_topics(tr, snap, FAQ_INTENTS["ask_dress_code"], "ask_dress_code")

    def _ask_registration(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        answer = self._faq_topics(tr, snap, FAQ_INTENTS["ask_registration"], "ask_registration")
        desks = [s for s in active_sessions(snap) if s.kind == "registration" and s.ends_at > now]
        if answer.handoff is not None:
            return answer
        text = answer.messages[0].text
        if desks:
            text += "\n\n" + "\n".join(session_line(tr, s) for s in desks[:2])
        if not snap.verified and ACCREDITATION_WORDS & set(fold(q.text).split()):
            text += "\n\n" + verify_note(tr)  # "how do I verify my accreditation?"
        return Answer.of(Reply(text), topic="ask_registration")

    def _ask_contact(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        answer = self._faq_topics(tr, snap, FAQ_INTENTS["ask_contact"], "ask_contact")
        if answer.handoff:
            return answer
        note = esc(tr._("You can also write your question here and ask for a person: the helpdesk team answers in this chat."))
        return Answer.of(Reply(answer.messages[0].text + "\n\n" + note), topic="ask_contact")

    def _ask_meals(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        faq = self._faq_topics(tr, snap, FAQ_INTENTS["ask_meals"], "ask_meals")
        meals = [s for s in active_sessions(snap) if s.kind in ("meal", "break", "social") and s.ends_at > now]
        day, _ = resolve_day(snap, now, q.entity("day"), q.text)
        if day:
            meals = [s for s in active_sessions(snap) if s.kind in ("meal", "break", "social") and s.day_id == day.id]
        text = faq.messages[0].text if faq.handoff is None else ""
        if meals:
            text += ("\n\n" if text else "") + b(tr._("Meals and breaks")) + "\n" + "\n".join(session_line(tr, s, now) for s in meals[:6])
        if not text:
            return self.handoff(tr, "no_faq")
        return Answer.of(Reply(text), topic="ask_meals")

    def _ask_nearby(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        return nearby_answer(tr, snap, category_in(q.text, snap))

    def _ask_exhibition(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        ex = snap.exhibition
        if not ex:
            return self.handoff(tr, "no_exhibition")
        lines = [b(tr.pick(ex["title"])), esc(tr.pick(ex.get("description")))]
        room = snap.rooms.get(ex.get("room") or "")
        if room:
            lines.append("📍 " + esc(tr.pick(room.name)))
        for hours in ex.get("hours", []):
            day = day_by_id(snap, hours["day"])
            if day:
                lines.append("🕒 " + esc(tr._("{day}: {start}–{end}").format(day=tr.date(day.date, "medium"), start=_clock(tr, snap, day, hours["start"]), end=_clock(tr, snap, day, hours["end"]))))
        if snap.exhibitors:
            lines.append(esc(tr.join([name for _, name, _, _ in snap.exhibitors])))
        return Answer.of(Reply("\n".join(line for line in lines if line)), topic="ask_exhibition")

    # --- programme ---------------------------------------------------------------------------
    def _ask_agenda(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        day, on = resolve_day(snap, now, q.entity("day"), q.text)
        if day is not None:
            return agenda_day(tr, snap, day, now)
        if on is not None:
            text = tr._("There is nothing on the programme on {date}. The conference runs on {days}.").format(date=tr.date(on), days=tr.join([tr.date(d.date, "long") for d in snap.days]))
            return Answer.of(Reply(esc(text), day_buttons(tr, snap)), topic="ask_agenda")
        return agenda_overview(tr, snap, now)

    def _ask_now_next(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        return now_next_answer(tr, snap, now)

    def _ask_session(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        sessions, candidates = self._sessions_meant(snap, q, now)
        if sessions:
            s = sessions[0]
            return Answer.of(self.session_card(tr, snap, s, now), topic=f"session:{s.id}")
        speaker_answer = self._speaker_from_text(tr, snap, q, now)
        if speaker_answer is not None:
            return speaker_answer
        if candidates:
            text = tr._("Which session do you mean?")
            return Answer.of(Reply(esc(text), rows([session_button(tr, s) for s in candidates], 1)), topic="ask_session")
        day, _ = resolve_day(snap, now, q.entity("day"), q.text)
        if day:
            return agenda_day(tr, snap, day, now)
        text = tr._("I couldn't find that session. Here is the programme:")
        return Answer.of(Reply(esc(text), day_buttons(tr, snap)), topic="ask_session")

    def _sessions_meant(self, snap: EventSnapshot, q: Question, now: datetime) -> tuple[list[SessionView], list[SessionView]]:
        """(the sessions clearly meant, close candidates) from the topic entity or the whole text."""
        day, _ = resolve_day(snap, now, q.entity("day"))
        for query in [*q.entities.get("topic", []), q.text]:
            if query in {s.id for s in snap.sessions}:
                s = session_by_id(snap, query)
                if s is not None and day is not None and s.day_id != day.id:
                    # "and tomorrow?" after lunch on day 1: lunch on day 2, if there is one
                    return [x for x in sessions_on(snap, day.id) if session_name_key(x) == session_name_key(s)][:1], []
                return ([s] if s else []), []
            found = find_sessions(snap, query)
            if day is not None:
                found = [(score, s) for score, s in found if s.day_id == day.id] or found
            if not found:
                continue
            top = found[0][0]
            best = [s for score, s in found if score >= top - 0.05]
            if top >= 0.8 and len(best) == 1:
                return best, []
            if top >= 0.8 and len({session_name_key(s) for s in best}) == 1:
                upcoming = [s for s in best if s.ends_at > now]
                return [(upcoming or best)[0]], []
            if top >= 0.5:
                return [], [s for score, s in found if score >= 0.5][:5]
        return [], []

    def _ask_speakers(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        sessions, _ = self._sessions_meant(snap, Question(" ".join(q.entities.get("topic", [])), q.intent, q.confidence, q.entities), now) if q.entities.get("topic") else ([], [])
        if sessions and sessions[0].speaker_ids:
            s = sessions[0]
            names = [speaker_label(tr, snap.speakers[i]) for i in s.speaker_ids if i in snap.speakers]
            text = b(session_name(tr, s)) + "\n" + esc(tr._("Speakers: {names}").format(names=tr.join(names)))
            return Answer.of(Reply(text, rows([Button(snap.speakers[i].name, callback("sp", i)) for i in s.speaker_ids if i in snap.speakers])), topic=f"speakers:{s.id}")
        return speakers_answer(tr, snap)

    def _ask_speaker(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        for value in q.entities.get("speaker", []):
            found, candidates = find_speakers(snap, value)
            if found:
                return Answer.of(speaker_reply(tr, snap, found.id, now), topic=f"speaker:{found.id}")
            if candidates:
                return Answer.of(Reply(esc(tr._("Did you mean one of these speakers?")), rows([Button(c.name, callback("sp", c.id)) for c in candidates], 1)), topic="ask_speaker")
        answer = self._speaker_from_text(tr, snap, q, now)
        if answer is not None:
            return answer
        text = tr._("I don't know that speaker. These are the speakers of the conference:")
        return Answer.of(Reply(esc(text), speaker_buttons(snap)), topic="ask_speaker")

    def _speaker_from_text(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer | None:
        words = fold(q.text)
        for sp in snap.speakers.values():
            for name in (sp.name, *sp.aliases):
                n = fold(name)
                if len(n) >= 4 and f" {n} " in f" {words} ":
                    return Answer.of(speaker_reply(tr, snap, sp.id, now), topic=f"speaker:{sp.id}")
        return None

    def _set_reminder(self, tr: Translator, snap: EventSnapshot, q: Question, now: datetime) -> Answer:
        sessions, candidates = self._sessions_meant(snap, q, now)
        if sessions:
            return Answer.of(remind_session_ids=(sessions[0].id,), topic="set_reminder")
        for value in q.entities.get("speaker", []):
            found, _ = find_speakers(snap, value)
            upcoming = [s for i in (found.session_ids if found else ()) if (s := session_by_id(snap, i)) and s.ends_at > now]
            if upcoming:
                return Answer.of(remind_session_ids=(upcoming[0].id,), topic="set_reminder")
        day, _ = resolve_day(snap, now, q.entity("day"), q.text)
        if day is not None and not candidates:
            return Answer.of(remind_day_id=day.id, topic="set_reminder")
        pool = candidates or [s for s in active_sessions(snap) if s.starts_at > now and s.kind in ("session", "panel", "ceremony")][:8]
        text = tr._("Which session should I remind you about?") if pool else tr._("There are no more sessions to remind you about.")
        return Answer.of(Reply(esc(text), rows([Button("🔔 " + session_button(tr, s).text, callback("rm", s.id)) for s in pool], 1)), topic="set_reminder")


# --- answers shared by commands and buttons ----------------------------------------------

def menu_buttons(tr: Translator) -> tuple[tuple[Button, ...], ...]:
    return rows([
        Button("📅 " + tr._("Agenda"), "agenda:"), Button("⏱ " + tr._("Now & next"), "now:"),
        Button("📍 " + tr._("Venue"), "venue:"), Button("🎤 " + tr._("Speakers"), "speakers:"),
    ])


def help_answer(tr: Translator, snap: EventSnapshot) -> Answer:
    lines = [
        b(tr._("I can help you with {event}:").format(event=tr.pick(snap.short_name))),
        "• " + esc(tr._("the programme: /agenda, or ask “what's on tomorrow?”")),
        "• " + esc(tr._("what's happening now and next: /now")),
        "• " + esc(tr._("sessions and speakers: “when does the minister speak?”")),
        "• " + esc(tr._("the venue and how to get there: /venue")),
        "• " + esc(tr._("Wi-Fi, meals, dress code, registration and contacts")),
        "• " + esc(tr._("reminders before sessions: “remind me about session 2”, /reminders")),
        "• " + esc(tr._("places near the venue (ATM, pharmacy, prayer room): /nearby")),
        "• " + esc(tr._("accreditation: /verify with the code from your invitation")),
        "• " + esc(tr._("your language: /language; deleting your data: /forget")),
        esc(tr._("If I can't answer, your question goes to the helpdesk team, who reply here.")),
    ]
    return Answer.of(Reply("\n".join(lines), menu_buttons(tr)), topic="help")


def language_choice(tr: Translator, snap: EventSnapshot) -> Answer:
    buttons = [Button(LANGUAGE_NAMES.get(code, code), callback("lang", code)) for code in snap.languages]
    return Answer.of(Reply(esc(tr._("Choose your language:")), rows(buttons)), topic="change_language")


def venue_answer(tr: Translator, snap: EventSnapshot) -> Answer:
    v = snap.venue
    pin = VenuePin(v.latitude, v.longitude, tr.pick(v.name), tr.pick(v.address))
    text = "\n".join([b(tr.pick(v.name)), esc(tr.pick(v.address)), "", esc(tr.pick(v.directions))])
    if not (v.latitude or v.longitude):  # an event made from a schedule export alone: no coordinates, no pin
        return Answer.of(Reply(text.strip()), topic="ask_venue")
    return Answer.of(Reply(venue=pin), Reply(text, ((Button("🧭 " + tr._("How to get there"), "directions:"),),)), topic="ask_venue")


def day_buttons(tr: Translator, snap: EventSnapshot) -> tuple[tuple[Button, ...], ...]:
    return rows([Button(f"{tr.pick(d.label)} · {tr.date(d.date, 'medium')}", callback("day", d.id)) for d in snap.days], 1)


def agenda_overview(tr: Translator, snap: EventSnapshot, now: datetime) -> Answer:
    lines = [b(tr.pick(snap.name))]
    for d in snap.days:
        count = len(sessions_on(snap, d.id))
        lines.append(esc(day_title(tr, d)) + " — " + esc(tr.ngettext("{count} item", "{count} items", count).format(count=count)))
    lines.append(esc(tr._("Choose a day:")))
    return Answer.of(Reply("\n".join(lines), day_buttons(tr, snap)), topic="ask_agenda")


def agenda_day(tr: Translator, snap: EventSnapshot, day: DayView, now: datetime) -> Answer:
    sessions = sessions_on(snap, day.id)
    if len(sessions) > DAY_LIST_LIMIT:  # a large conference's day is browsed by track or room
        return Answer.of(day_choice(tr, snap, day), topic=f"agenda:{day.id}")
    lines = [b(day_title(tr, day))] + [session_line(tr, s, now) for s in sessions]
    others = [Button(f"{tr.pick(d.label)}", callback("day", d.id)) for d in snap.days if d.id != day.id]
    buttons = rows([session_button(tr, s) for s in sessions if s.kind not in ("break",)], 1) + rows(others, 3)
    return Answer.of(Reply("\n".join(lines), buttons), topic=f"agenda:{day.id}")


def now_next_answer(tr: Translator, snap: EventSnapshot, now: datetime) -> Answer:
    state = now_and_next(snap, now)
    lines: list[str] = []
    if state.after_event:
        lines.append(esc(tr._("The conference has ended. Thank you for taking part!")))
    elif state.before_event and state.upcoming:
        first = state.upcoming[0]
        lines.append(esc(tr._("The conference starts on {date} at {time}.").format(date=tr.date(first.starts_at), time=tr.time(first.starts_at))))
    if state.running:
        lines.append(b(tr._("Now")))
        lines += [session_line(tr, s) for s in state.running]
    elif not state.after_event and not state.before_event:
        lines.append(esc(tr._("Nothing is on the programme right now.")))
    if state.upcoming:
        nxt = state.upcoming[0]
        lines.append(b(tr._("Next, in {duration}").format(duration=tr.duration(nxt.starts_at - now))))
        lines += [session_line(tr, s) + ("" if snap.local_date(s.starts_at) == snap.local_date(now) else f" ({esc(tr.date(s.starts_at, 'medium'))})") for s in state.upcoming]
    buttons = [session_button(tr, s) for s in (state.running + state.upcoming)]
    return Answer.of(Reply("\n".join(lines), rows(buttons, 1)), topic="ask_now_next")


def speaker_buttons(snap: EventSnapshot) -> tuple[tuple[Button, ...], ...]:
    return rows([Button(sp.name, callback("sp", sp.id)) for sp in snap.speakers.values()])


def speakers_answer(tr: Translator, snap: EventSnapshot) -> Answer:
    people = [sp for sp in snap.speakers.values() if sp.kind == "person"]
    if len(snap.speakers) > SPEAKER_LIST_LIMIT:  # 900 names are no answer: ask for one
        text = tr.ngettext("{count} speaker takes part.", "{count} speakers take part.", len(snap.speakers)).format(count=len(snap.speakers))
        hint = tr._("Write a name (for example “when does {name} speak?”) or a topic, and I'll find their talks.").format(name=people[0].name if people else "…")
        return Answer.of(Reply(esc(text) + "\n" + esc(hint), day_buttons(tr, snap)), topic="ask_speakers")
    orgs = [sp for sp in snap.speakers.values() if sp.kind != "person"]
    lines = [b(tr._("Speakers"))] + [esc(speaker_label(tr, sp)) for sp in people]
    if orgs:
        lines += ["", b(tr._("Organisations")), esc(tr.join([sp.name for sp in orgs]))]
    return Answer.of(Reply("\n".join(lines), speaker_buttons(snap)), topic="ask_speakers")


def speaker_reply(tr: Translator, snap: EventSnapshot, speaker_id: str, now: datetime) -> Reply:
    sp = snap.speakers[speaker_id]
    lines = [b(sp.name)]
    role = ", ".join(x for x in (tr.pick(sp.title), tr.pick(sp.organisation)) if x)
    if role:
        lines.append(esc(role))
    if tr.pick(sp.bio):
        lines.append(esc(tr.pick(sp.bio)))
    sessions = [s for i in sp.session_ids if (s := session_by_id(snap, i))]
    if sessions:
        lines.append("")
        lines.append(b(tr._("Speaks at")))
        lines += [f"• {esc(session_name(tr, s))}\n  🕒 {esc(when_where(tr, s))}" for s in sessions]
    else:
        lines.append(esc(tr._("No session on the programme names this speaker.")))
    return Reply("\n".join(lines), rows([session_button(tr, s) for s in sessions], 1))


def session_name_key(s: SessionView) -> str:
    return fold(next(iter(s.title.values()), ""))


def _clock(tr: Translator, snap: EventSnapshot, day: DayView, hhmm: str) -> str:
    from datetime import time

    local = datetime.combine(day.date, time.fromisoformat(hhmm), tzinfo=snap.zone)
    return tr.time(local)


def _language_in_text(text: str, languages: Sequence[str]) -> str | None:
    words = fold(text)
    table = {
        "english": "en", "inggris": "en", "indonesia": "id", "indonesian": "id", "bahasa": "id", "melayu": "ms",
        "malay": "ms", "vietnamese": "vi", "thai": "th", "chinese": "zh_Hans", "mandarin": "zh_Hans",
        "japanese": "ja", "jepang": "ja", "korean": "ko", "korea": "ko",
    }
    for word, code in table.items():
        if f" {word} " in f" {words} " and code in languages:
            return code
    return None
