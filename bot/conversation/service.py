"""One delegate message in, one answer out: sanitise, understand (NLU), answer, hand off.

The only place where the NLU's result meets the answers; it knows nothing of Telegram. A question
in a language the model does not understand (nlu.language) skips the model: the delegate is told,
in that language, which languages it understands, and the question goes to the helpdesk.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from bot.answers.reply import Answer, Button, Reply, callback, esc
from bot.answers.service import AnswerService, Question, menu_buttons
from bot.conversation.models import Turn
from bot.db import Database
from bot.delegates.service import DelegateView
from bot.helpdesk.models import Ticket
from bot.i18n import LANGUAGE_NAMES, Translator
from nlu.interpreter import Interpreter, NluUnavailable
from nlu.language import UNDERSTOOD, unsupported_language

log = logging.getLogger(__name__)
MAX_TEXT = 4000  # longer messages are kept whole for the helpdesk but understood from their start
CONTEXT_TURNS = 5
UNSUPPORTED_LANGUAGE = "unsupported_language"
"""The ticket reason of a question in a language the NLU model does not understand."""


def clean_text(text: str) -> str:
    """Drops control characters and collapses white space; keeps every script and emoji."""
    text = "".join(c if c in "\n\t" or unicodedata.category(c)[0] != "C" else " " for c in text)
    return re.sub(r"\s+", " ", text).strip()


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
        self.on_ticket: list[Callable[[int], object]] = []  # e.g. the helpdesk relay

    async def handle(self, delegate: DelegateView, raw_text: str) -> Handled:
        text = clean_text(raw_text)
        started = time.perf_counter()
        language = unsupported_language(text, delegate.language)
        if language is not None:
            answer = await self._in_unsupported_language(delegate, language)
            ticket = await self._record(delegate, raw_text, answer, None, None, [], language=language)
            return Handled(answer, ticket, (time.perf_counter() - started) * 1000)
        try:
            parse = await self.interpreter.parse(text[:MAX_TEXT])
        except NluUnavailable:
            log.warning("NLU unavailable; question handed to the helpdesk")
            answer = self.answers.handoff(await self.answers.translator(delegate.language), "nlu_unavailable")
            ticket = await self._record(delegate, raw_text, answer, None, None, [])
            return Handled(answer, ticket, (time.perf_counter() - started) * 1000)
        nlu_ms = (time.perf_counter() - started) * 1000
        entities: dict[str, list[str]] = {}
        for e in parse.entities:
            entities.setdefault(e.entity, []).append(str(e.value))
        question = Question(text=text, intent=parse.intent, confidence=parse.confidence, entities=entities)
        answer = await self.answers.answer(question, delegate.language, delegate.verified)
        ranking = [[name, round(conf, 4)] for name, conf in parse.ranking]
        ticket = await self._record(delegate, raw_text, answer, parse.intent, parse.confidence, ranking)
        return Handled(answer, ticket, nlu_ms)

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
    ) -> int | None:
        """Keeps the turn and, for a handoff, opens a ticket in `language` (default: the delegate's)."""
        now = self.now()
        async with self.database.session() as db:
            ticket_id = None
            if answer.handoff:
                turns = (await db.execute(
                    select(Turn).where(Turn.user_id == delegate.user_id).order_by(Turn.id.desc()).limit(CONTEXT_TURNS)
                )).scalars().all()
                context = [{"at": t.at.isoformat(), "text": t.text, "intent": t.intent, "topic": t.topic} for t in reversed(turns)]
                ticket = Ticket(
                    user_id=delegate.user_id, chat_id=delegate.chat_id, delegate_name=delegate.first_name,
                    language=language or delegate.language, text=text, reason=answer.handoff, intent=intent,
                    confidence=confidence, ranking=ranking, context=context, status="open", created_at=now,
                )
                db.add(ticket)
                await db.flush()
                ticket_id = ticket.id
            db.add(Turn(user_id=delegate.user_id, at=now, text=text[:MAX_TEXT], intent=intent, confidence=confidence, topic=answer.topic))
        if ticket_id is not None:
            for hook in self.on_ticket:
                result = hook(ticket_id)
                if hasattr(result, "__await__"):
                    await result  # type: ignore[misc]
        return ticket_id

    async def forget(self, user_id: int) -> None:
        """Removes the delegate's turns and what their tickets hold of them: who, where, what came
        before, the question and the helpdesk's answer (the privacy notice promises their questions
        go). The rows stay, as statistics: when, language, reason, intent, status, labels."""
        async with self.database.session() as db:
            await db.execute(delete(Turn).where(Turn.user_id == user_id))
            for t in (await db.execute(select(Ticket).where(Ticket.user_id == user_id))).scalars():
                t.user_id = t.chat_id = None
                t.delegate_name = None
                t.context = []
                t.text, t.answer = "", None
                if t.status == "open":
                    t.status = "closed"
