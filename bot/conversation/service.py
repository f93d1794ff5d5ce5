"""One delegate message in, one answer out: sanitise, understand (NLU), answer, hand off.

The only place where the NLU's result meets the answers; it knows nothing of Telegram.
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

from bot.answers.reply import Answer
from bot.answers.service import AnswerService, Question
from bot.conversation.models import Turn
from bot.db import Database
from bot.delegates.service import DelegateView
from bot.helpdesk.models import Ticket
from nlu.interpreter import Interpreter, NluUnavailable

log = logging.getLogger(__name__)
MAX_TEXT = 4000  # longer messages are kept whole for the helpdesk but understood from their start
CONTEXT_TURNS = 5


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
        answer = await self.answers.answer(question, delegate.language)
        ranking = [[name, round(conf, 4)] for name, conf in parse.ranking]
        ticket = await self._record(delegate, raw_text, answer, parse.intent, parse.confidence, ranking)
        return Handled(answer, ticket, nlu_ms)

    async def _record(
        self, delegate: DelegateView, text: str, answer: Answer, intent: str | None, confidence: float | None, ranking: list[list[object]]
    ) -> int | None:
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
                    language=delegate.language, text=text, reason=answer.handoff, intent=intent,
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
        """Removes the delegate's turns and the personal data in their tickets (texts stay, anonymised)."""
        async with self.database.session() as db:
            await db.execute(delete(Turn).where(Turn.user_id == user_id))
            for t in (await db.execute(select(Ticket).where(Ticket.user_id == user_id))).scalars():
                t.user_id = t.chat_id = None
                t.delegate_name = None
                t.context = []
                if t.status == "open":
                    t.status = "closed"
