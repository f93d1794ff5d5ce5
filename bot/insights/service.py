"""The live picture for organisers: what delegates ask and how the assistant copes, read from the
features' own records (questions are conversation turns, unanswered ones are helpdesk tickets,
reminders, session ratings, broadcasts). Read-only; nothing here knows HTTP or Telegram.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.broadcasts.service import BroadcastService, BroadcastView, Progress
from bot.conversation.models import Turn
from bot.db import Database
from bot.event.service import EventService, SessionView, fold, session_by_id
from bot.feedback.service import FeedbackService
from bot.helpdesk.models import OPEN, Ticket
from bot.reminders.models import Reminder

HOURS = 24
TOP = 15
# Words that do not tell questions apart ("where is the toilet" and "toilet where?" are one group).
_FILLER = {
    "the", "a", "an", "is", "are", "to", "of", "in", "on", "at", "for", "and", "or", "i", "me", "my", "you", "can", "do",
    "does", "please", "there", "any", "what", "where", "when", "how", "which", "who", "yang", "di", "ke", "apa", "ada",
    "dimana", "mana", "kapan", "bagaimana", "saya", "tolong", "itu", "ini",
}


@dataclass(frozen=True)
class HourCount:
    """Questions in one hour (event time) and how many of them the assistant answered itself."""

    hour: datetime  # the hour's start, aware, in the event's zone
    questions: int
    unanswered: int

    @property
    def answered(self) -> int:
        return max(self.questions - self.unanswered, 0)

    @property
    def share_answered(self) -> float | None:
        return self.answered / self.questions if self.questions else None


@dataclass(frozen=True)
class QuestionGroup:
    """Open tickets that ask the same thing, in other words or word order."""

    example: str  # the most recent wording
    count: int
    latest: datetime


@dataclass(frozen=True)
class SessionFigure:
    session_id: str
    session: SessionView | None
    value: float
    votes: int = 0  # ratings: how many rated


@dataclass(frozen=True)
class Delivery:
    broadcast: BroadcastView
    progress: Progress


def question_key(text: str) -> str:
    """The words that matter, folded and sorted: near-identical questions share a key."""
    words = [w for w in fold(text).split() if w not in _FILLER and not re.fullmatch(r"\d+", w)]
    return " ".join(sorted(set(words))) or fold(text)


class InsightsService:
    def __init__(self, database: Database, events: EventService, now: Callable[[], datetime],
                 feedback: FeedbackService | None = None, broadcasts: BroadcastService | None = None) -> None:
        self.database = database
        self.events = events
        self.now = now
        self.feedback = feedback
        self.broadcasts = broadcasts

    async def questions_per_hour(self, hours: int = HOURS) -> list[HourCount]:
        """The last `hours` hours, oldest first, empty hours included."""
        zone = ZoneInfo((await self.events.snapshot()).timezone)
        end = self.now().astimezone(zone).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        start = end - timedelta(hours=hours)
        async with self.database.session() as db:
            asked = (await db.execute(select(Turn.at).where(Turn.at >= start))).scalars().all()
            handed = (await db.execute(select(Ticket.created_at).where(Ticket.created_at >= start))).scalars().all()

        def hour_of(instant: datetime) -> datetime:
            return instant.astimezone(zone).replace(minute=0, second=0, microsecond=0)

        questions, unanswered = Counter(hour_of(t) for t in asked), Counter(hour_of(t) for t in handed)
        slots = [start + timedelta(hours=i) for i in range(hours)]
        return [HourCount(slot, questions[slot], unanswered[slot]) for slot in slots]

    async def top_unanswered(self, limit: int = TOP) -> list[QuestionGroup]:
        """Open tickets grouped by what they ask, the most asked first."""
        async with self.database.session() as db:
            rows = (await db.execute(
                select(Ticket.text, Ticket.created_at).where(Ticket.status == OPEN).order_by(Ticket.created_at.desc()).limit(5000)
            )).all()
        groups: dict[str, list[tuple[str, datetime]]] = {}
        for text, at in rows:
            groups.setdefault(question_key(text), []).append((text, at))
        ranked = sorted(groups.values(), key=lambda items: (-len(items), -items[0][1].timestamp()))
        return [QuestionGroup(items[0][0], len(items), items[0][1]) for items in ranked[:limit]]

    async def intents(self, limit: int = TOP) -> list[tuple[str, int]]:
        """What delegates ask most, as the model understood it."""
        async with self.database.session() as db:
            rows = (await db.execute(
                select(Turn.intent, func.count()).where(Turn.intent.is_not(None)).group_by(Turn.intent)
                .order_by(func.count().desc(), Turn.intent).limit(limit)
            )).all()
        return [(str(intent), int(n)) for intent, n in rows]

    async def reminders_per_session(self, limit: int = TOP) -> list[SessionFigure]:
        snap = await self.events.snapshot()
        async with self.database.session() as db:
            rows = (await db.execute(
                select(Reminder.session_id, func.count()).group_by(Reminder.session_id)
                .order_by(func.count().desc(), Reminder.session_id).limit(limit)
            )).all()
        return [SessionFigure(sid, session_by_id(snap, sid), float(n)) for sid, n in rows]

    async def ratings_per_session(self) -> list[SessionFigure]:
        if self.feedback is None:
            return []
        return [
            SessionFigure(r.session_id, r.session, round(r.average or 0.0, 2), r.votes)
            for r in await self.feedback.results() if r.average is not None
        ]

    async def deliveries(self, limit: int = 10) -> list[Delivery]:
        if self.broadcasts is None:
            return []
        return [Delivery(view, await self.broadcasts.progress(view.id)) for view in await self.broadcasts.recent(limit)]
