"""One delegate message in, one answer out: sanitise, understand (NLU), answer, hand off.

The only place where the NLU's result meets the answers; it knows nothing of Telegram. A question
in a language the model does not understand (nlu.language) skips the model: the delegate is told,
in that language, which languages it understands, and the question goes to the helpdesk.
A follow-up ("and tomorrow?", "who speaks there?") is resolved against the conversation's last
turns (bot.conversation.followup); a message asking two things is answered part by part
(bot.conversation.compound).
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from bot.answers.reply import Answer, Button, Reply, callback, esc
from bot.answers.service import AnswerService, Question, menu_buttons
from bot.conversation import followup
from bot.conversation.compound import compound_parts
from bot.conversation.handoff import Handoff, NoHandoff, Unanswered
from bot.conversation.models import Turn
from bot.db import Database
from bot.delegates.service import DelegateView
from bot.event.names import is_event_word
from bot.i18n import LANGUAGE_NAMES, Translator
from nlu.interpreter import Interpreter, NluUnavailable
from nlu.language import UNDERSTOOD, unsupported_language
from nlu.types import HANDOFF_INTENTS, Parse

log = logging.getLogger(__name__)
MAX_TEXT = 4000  # longer messages are kept whole for the helpdesk but understood from their start
CONTEXT_TURNS = 5
UNSUPPORTED_LANGUAGE = "unsupported_language"
"""The ticket reason of a question in a language the NLU model does not understand."""
SMALL_TALK = frozenset({"greet", "thank", "goodbye", "help"})
"""Intents that do not make a message a compound question ("hi, where is lunch?" asks one thing)."""


def question_of(parse: Parse, text: str | None = None) -> Question:
    entities: dict[str, list[str]] = {}
    for e in parse.entities:
        entities.setdefault(e.entity, []).append(str(e.value))
    return Question(text=text if text is not None else parse.text, intent=parse.intent, confidence=parse.confidence,
                    entities=entities, faq_entry=parse.faq_entry)


def clean_text(text: str) -> str:
    """Drops control characters and collapses white space; keeps every script and emoji."""
    text = "".join(c if c in "\n\t" or unicodedata.category(c)[0] != "C" else " " for c in text)
    return re.sub(r"\s+", " ", text).strip()


PROGRAMME_SEARCH = frozenset({"ask_session", "ask_speaker", "ask_speakers", "ask_agenda", "ask_now_next", "set_reminder"})
"""Intents that an imported programme's search answers: trusted at a low confidence when the only
words the model did not know are the event's own (nlu.types.Parse.judged_with)."""


@dataclass(frozen=True)
class Handled:
    answer: Answer
    ticket_id: int | None
    nlu_ms: float


class ConversationService:
    def __init__(self, database: Database, interpreter: Interpreter, answers: AnswerService, now: Callable[[], datetime]) -> None:
        self.database = database
        self.interpreter = interpreter
        self.answers = answers
        self.now = now
        self.handoff: Handoff = NoHandoff()  # set by install_features: the helpdesk keeps handed-off questions

    async def handle(self, delegate: DelegateView, raw_text: str) -> Handled:
        text = clean_text(raw_text)
        started = time.perf_counter()
        language = unsupported_language(text, delegate.language)
        if language is not None:
            answer = await self._in_unsupported_language(delegate, language)
            answer, ticket = await self._record(delegate, raw_text, answer, None, None, [], language=language)
            return Handled(answer, ticket, (time.perf_counter() - started) * 1000)
        try:
            parse = await self.interpreter.parse(text[:MAX_TEXT])
        except NluUnavailable:
            log.warning("NLU unavailable; question handed to the helpdesk")
            answer = self.answers.handoff(await self.answers.translator(delegate.language), "nlu_unavailable")
            answer, ticket = await self._record(delegate, raw_text, answer, None, None, [])
            return Handled(answer, ticket, (time.perf_counter() - started) * 1000)
        nlu_ms = (time.perf_counter() - started) * 1000
        if parse.unknown_words and parse.intent in HANDOFF_INTENTS:
            snap = await self.answers.events.snapshot()
            parse = parse.judged_with(is_event_word(snap), PROGRAMME_SEARCH if snap.has_schedule else frozenset())
        question = question_of(parse, text)
        try:
            answer, intent = await self._answer(delegate, question, parse)
        except NluUnavailable:  # a part of a compound question could not be parsed: answer the whole
            answer, intent = await self.answers.answer(question, delegate.language, delegate.verified), parse.intent
        ranking = [[name, round(conf, 4)] for name, conf in parse.ranking]
        answer, ticket = await self._record(delegate, raw_text, answer, intent, parse.confidence, ranking)
        return Handled(answer, ticket, nlu_ms)

    async def _answer(self, delegate: DelegateView, question: Question, parse: Parse) -> tuple[Answer, str]:
        """The answer, and the intent it answered (a follow-up's is the one it was resolved to)."""
        resolved = followup.resolve(question, await self._recent(delegate.user_id))
        if resolved is not None:
            return await self.answers.answer(resolved, delegate.language, delegate.verified), resolved.intent
        compound = await self._compound(delegate, parse)
        if compound is not None:
            return compound, parse.intent
        return await self.answers.answer(question, delegate.language, delegate.verified), parse.intent

    async def _recent(self, user_id: int) -> list[followup.Turn]:
        """The conversation's last turns, newest first, if recent enough to be followed up on."""
        since = self.now() - timedelta(minutes=followup.FOLLOW_UP_MINUTES)
        async with self.database.session() as db:
            turns = (await db.execute(
                select(Turn).where(Turn.user_id == user_id).order_by(Turn.id.desc()).limit(CONTEXT_TURNS)
            )).scalars().all()
        return [followup.Turn(t.intent, t.topic) for t in turns if t.at >= since]

    async def _compound(self, delegate: DelegateView, parse: Parse) -> Answer | None:
        """Every part answered, when the message asks several different things; None otherwise.

        When the whole message could not be answered but a part can, that part is answered and the
        rest goes to the helpdesk; when the whole can be answered, a single answerable part changes
        nothing.
        """
        parts = compound_parts(parse.text, parse.entities)
        if not parts:
            return None
        parses = [await self.interpreter.parse(part) for part in parts]
        answerable = [p for p in parses if p.intent not in HANDOFF_INTENTS and p.intent not in SMALL_TALK]
        asks = {(p.intent, p.faq_entry) for p in answerable}
        if not answerable or (len(asks) < 2 and parse.intent not in HANDOFF_INTENTS):
            return None
        answers = [await self.answers.answer(question_of(p), delegate.language, delegate.verified) for p in answerable]
        if any(a.set_language or a.remind_session_ids or a.remind_day_id or a.handoff for a in answers):
            return None  # language changes and reminders act on their own: one thing at a time
        messages = [m for a in answers for m in a.messages]
        handoff = None
        if len(answerable) < len(parses):  # an off-topic part: the helpdesk answers it (the ticket holds the whole text)
            rest = self.answers.handoff(await self.answers.translator(delegate.language), "out_of_scope")
            messages += rest.messages
            handoff = rest.handoff
        return Answer.of(*messages, handoff=handoff, topic=answers[-1].topic)

    async def _in_unsupported_language(self, delegate: DelegateView, language: str) -> Answer:
        """The handoff answer in `language`, with the menu and, when the event offers that language
        and the delegate uses another, a button to switch to it (never switched silently)."""
        snap = await self.answers.events.snapshot()
        tr = Translator(language, snap.timezone, snap.default_language)
        names = [tr.locale.languages.get(code, code) for code in UNDERSTOOD]
        text = tr._("I understand questions in {languages}. I have passed yours to the helpdesk team, who will answer you here. The menu buttons below work in every language.").format(languages=tr.join(names))
        buttons = menu_buttons(tr)
        if language != delegate.language and language in snap.languages:
            offer = Button("🌐 " + tr._("Use {language}").format(language=LANGUAGE_NAMES.get(language, language)), callback("lang", language))
            buttons = (*buttons, (offer,))
        return Answer.of(Reply(esc(text), buttons), handoff=UNSUPPORTED_LANGUAGE, topic=UNSUPPORTED_LANGUAGE)

    async def _record(
        self, delegate: DelegateView, text: str, answer: Answer, intent: str | None, confidence: float | None, ranking: list[list[object]],
        language: str | None = None,
    ) -> tuple[Answer, int | None]:
        """Keeps the turn and, for a handoff, hands the question to people in `language` (default:
        the delegate's) in the same transaction; the answer with its turn id, and the ticket id."""
        now = self.now()
        async with self.database.session() as db:
            ticket_id = None
            if answer.handoff:
                turns = (await db.execute(
                    select(Turn).where(Turn.user_id == delegate.user_id).order_by(Turn.id.desc()).limit(CONTEXT_TURNS)
                )).scalars().all()
                ticket_id = await self.handoff.record_unanswered(db, Unanswered(
                    user_id=delegate.user_id, chat_id=delegate.chat_id, delegate_name=delegate.first_name,
                    language=language or delegate.language, text=text, reason=answer.handoff, at=now, intent=intent,
                    confidence=confidence, ranking=ranking,
                    context=[{"at": t.at.isoformat(), "text": t.text, "intent": t.intent, "topic": t.topic} for t in reversed(turns)],
                ))
            turn = Turn(user_id=delegate.user_id, at=now, text=text[:MAX_TEXT], intent=intent, confidence=confidence, topic=answer.topic)
            db.add(turn)
        if ticket_id is not None:
            await self.handoff.unanswered_recorded(ticket_id)
        return replace(answer, turn_id=turn.id), ticket_id

    async def forget(self, user_id: int) -> None:
        """Removes the delegate's turns (after the features' own /forget, which may still read them)."""
        async with self.database.session() as db:
            await db.execute(delete(Turn).where(Turn.user_id == user_id))
