"""Session feedback: who attended, the rating prompt after a session ends, votes, comments, results.

Nothing here knows Telegram. Attendees of a session are the delegates subscribed to a reminder for it
plus those who opened its details before it ended; only active delegates are asked (a delegate who
used /forget has no row any more, one who blocked the bot is inactive).

Each tick queues the rating prompt for sessions that ended FEEDBACK_DELAY_MINUTES ago or more, but
not more than LOOKBACK ago (a bot restarted the day after does not ask about yesterday). The prompt
row and its outbox message are written in one transaction; the prompt row is unique per delegate and
session and the outbox dedupe key is `feedback:<session>:<user>`, so restarts and replicas ticking
together ask once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import Exists

from bot.answers.reply import Reply
from bot.db import Database, affected
from bot.delegates.models import Delegate
from bot.event.models import Session
from bot.event.service import EventService, EventSnapshot, SessionView, session_by_id
from bot.feedback import replies
from bot.feedback.models import FeedbackPrompt, FeedbackVote, SessionOpened
from bot.i18n import Translator
from bot.outbox import service as outbox
from bot.outbox.service import Outgoing
from bot.reminders.models import Reminder

KIND = "feedback"  # outbox kind
# After reminders (20) and helpdesk answers (30), before broadcasts (100): a prompt can wait a little.
PRIORITY_FEEDBACK = 50
NOT_RATED_KINDS = ("break", "meal", "registration")
LOOKBACK = timedelta(hours=12)
COMMENT_WAIT = timedelta(minutes=30)
MAX_COMMENT = 1000
RATINGS = range(1, 6)
BATCH = 1000


def rateable(s: SessionView) -> bool:
    return not s.cancelled and s.kind not in NOT_RATED_KINDS


def dedupe_key(session_id: str, user_id: int) -> str:
    return f"feedback:{session_id}:{user_id}"


def clean_comment(text: str) -> str:
    """Control characters out (line breaks kept), white space trimmed."""
    kept = "".join(c if c == "\n" or unicodedata.category(c)[0] != "C" else " " for c in text)
    return "\n".join(line.strip() for line in kept.strip().splitlines()).strip()


@dataclass(frozen=True)
class VoteView:
    session_id: str
    rating: int
    comment: str | None


@dataclass(frozen=True)
class CommentTaken:
    session_id: str
    shortened: bool


@dataclass(frozen=True)
class SessionResult:
    """The numbers of one session: how many were asked, how they voted, how many commented."""

    session_id: str
    session: SessionView | None
    prompted: int
    distribution: tuple[int, int, int, int, int]  # votes for 1, 2, 3, 4, 5
    comments: int

    @property
    def votes(self) -> int:
        return sum(self.distribution)

    @property
    def average(self) -> float | None:
        if not self.votes:
            return None
        return sum(rating * n for rating, n in enumerate(self.distribution, start=1)) / self.votes


@dataclass(frozen=True)
class CommentView:
    rating: int
    comment: str
    at: datetime


@dataclass(frozen=True)
class TickReport:
    queued: int = 0


class FeedbackService:
    def __init__(self, database: Database, events: EventService, now: Callable[[], datetime], delay_minutes: int) -> None:
        self.database = database
        self.events = events
        self.now = now
        self.delay = timedelta(minutes=delay_minutes)

    # --- delegates ----------------------------------------------------------------------------------

    async def record_opened(self, user_id: int, session_id: str) -> bool:
        """The delegate saw the session's details; only before its end does that make them an attendee."""
        snap, now = await self.events.snapshot(), self.now()
        s = session_by_id(snap, session_id)
        if s is None or not rateable(s) or s.ends_at <= now:
            return False
        async with self.database.session() as db:
            stmt = _insert(db)(SessionOpened).values(user_id=user_id, session_id=session_id, opened_at=now)
            await db.execute(stmt.on_conflict_do_nothing(index_elements=["user_id", "session_id"]))
        return True

    async def rate(self, user_id: int, session_id: str, rating: int) -> VoteView | None:
        """Stores or replaces the delegate's vote. None when it is not theirs to give: an unknown or
        unrateable session, a rating outside 1-5, or no prompt for this delegate and session."""
        snap, now = await self.events.snapshot(), self.now()
        s = session_by_id(snap, session_id)
        if s is None or not rateable(s) or rating not in RATINGS:
            return None
        async with self.database.session() as db:
            asked = await db.execute(select(FeedbackPrompt.id).where(FeedbackPrompt.user_id == user_id, FeedbackPrompt.session_id == session_id))
            if asked.scalar() is None:
                return None
            stmt = _insert(db)(FeedbackVote).values(
                user_id=user_id, session_id=session_id, rating=rating, created_at=now, updated_at=now,
            )
            await db.execute(stmt.on_conflict_do_update(
                index_elements=["user_id", "session_id"], set_={"rating": rating, "updated_at": now},
            ))
            comment = (await db.execute(
                select(FeedbackVote.comment).where(FeedbackVote.user_id == user_id, FeedbackVote.session_id == session_id)
            )).scalar()
        return VoteView(session_id, rating, comment)

    async def vote_of(self, user_id: int, session_id: str) -> VoteView | None:
        async with self.database.session() as db:
            row = (await db.execute(
                select(FeedbackVote).where(FeedbackVote.user_id == user_id, FeedbackVote.session_id == session_id)
            )).scalar()
        return VoteView(row.session_id, row.rating, row.comment) if row else None

    async def want_comment(self, user_id: int, session_id: str) -> bool:
        """"Add a comment": the delegate's next text message is the comment on this session (for a
        while). Only after a vote; waiting for another session's comment stops."""
        now = self.now()
        async with self.database.session() as db:
            await self._stop_waiting(db, user_id)
            result = await db.execute(
                update(FeedbackVote).where(FeedbackVote.user_id == user_id, FeedbackVote.session_id == session_id)
                .values(comment_wanted_until=now + COMMENT_WAIT).execution_options(synchronize_session=False)
            )
            return bool(affected(result))

    def comment_awaited(self, user_id: int) -> Exists:
        """SQL: a comment from this user is awaited now (`take_comment` and `stop_waiting` would act;
        asked with the other features' flows in one SELECT per message)."""
        return exists().where(and_(FeedbackVote.user_id == user_id, FeedbackVote.comment_wanted_until > self.now()))

    async def take_comment(self, user_id: int, text: str) -> CommentTaken | None:
        """Stores `text` as the comment the bot waits for; None when it waits for none (or no longer)."""
        now = self.now()
        comment = clean_comment(text)
        if not comment:
            return None
        async with self.database.session() as db:
            row = (await db.execute(
                select(FeedbackVote).where(FeedbackVote.user_id == user_id, FeedbackVote.comment_wanted_until > now)
                .order_by(FeedbackVote.comment_wanted_until.desc()).limit(1).with_for_update()
            )).scalar()
            if row is None:
                return None
            row.comment, row.comment_wanted_until, row.updated_at = comment[:MAX_COMMENT], None, now
            return CommentTaken(row.session_id, len(comment) > MAX_COMMENT)

    async def stop_waiting(self, user_id: int) -> bool:
        """/cancel or another command: no comment after all. True when a comment was awaited."""
        async with self.database.session() as db:
            return await self._stop_waiting(db, user_id, only_current=True)

    async def _stop_waiting(self, db: AsyncSession, user_id: int, only_current: bool = False) -> bool:
        stmt = update(FeedbackVote).where(FeedbackVote.user_id == user_id, FeedbackVote.comment_wanted_until.is_not(None))
        if only_current:
            stmt = stmt.where(FeedbackVote.comment_wanted_until > self.now())
        result = await db.execute(stmt.values(comment_wanted_until=None).execution_options(synchronize_session=False))
        return bool(affected(result))

    async def forget(self, user_id: int) -> None:
        """/forget: votes, comments, prompts and opened sessions go, and so do prompts not yet sent."""
        async with self.database.session() as db:
            chat_id = (await db.execute(select(Delegate.chat_id).where(Delegate.user_id == user_id))).scalar()
            if chat_id is not None:
                await outbox.cancel(db, chat_id=chat_id, kind=KIND)
            await db.execute(delete(FeedbackVote).where(FeedbackVote.user_id == user_id))
            await db.execute(delete(FeedbackPrompt).where(FeedbackPrompt.user_id == user_id))
            await db.execute(delete(SessionOpened).where(SessionOpened.user_id == user_id))

    # --- the clock work -------------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """Queues the prompt for every attendee of a session that ended a while ago and was not asked."""
        now = self.now()
        async with self.database.session() as db:
            ended = list((await db.execute(
                select(Session.id).where(
                    Session.cancelled.is_(False), Session.kind.notin_(NOT_RATED_KINDS),
                    Session.ends_at <= now - self.delay, Session.ends_at > now - LOOKBACK,
                )
            )).scalars())
        if not ended:
            return TickReport()
        snap = await self.events.snapshot()
        rendered: dict[tuple[str, str], Reply] = {}
        query = _unasked_attendees(ended)
        total = 0
        while True:
            async with self.database.session() as db:
                rows = (await db.execute(query)).all()
                messages, prompts = [], []
                for user_id, session_id, chat_id, language in rows:
                    s = session_by_id(snap, session_id)
                    if s is None or not rateable(s):
                        continue  # an import landed after the snapshot: the next tick sees it whole
                    if (language, session_id) not in rendered:
                        rendered[(language, session_id)] = replies.prompt(_translator(snap, language), s)
                    messages.append(Outgoing(chat_id, (rendered[(language, session_id)],), KIND, dedupe_key(session_id, user_id), now,
                                             source_id=f"feedback:{session_id}", priority=PRIORITY_FEEDBACK, expires_at=s.ends_at + LOOKBACK))
                    prompts.append({"user_id": user_id, "session_id": session_id, "queued_at": now})
                if prompts:
                    await db.execute(_insert(db)(FeedbackPrompt).values(prompts).on_conflict_do_nothing(index_elements=["user_id", "session_id"]))
                total += await outbox.enqueue(db, messages, now)
            if len(rows) < BATCH or not prompts:
                return TickReport(total)

    # --- organisers -----------------------------------------------------------------------------------

    async def results(self, session_id: str | None = None) -> list[SessionResult]:
        """Per session (in programme order): prompts, the vote distribution, how many commented.
        Sessions nobody was asked about and nobody rated are left out."""
        snap = await self.events.snapshot()
        async with self.database.session() as db:
            votes = select(FeedbackVote.session_id, FeedbackVote.rating, func.count(), func.count(FeedbackVote.comment))
            prompted = select(FeedbackPrompt.session_id, func.count())
            if session_id is not None:
                votes = votes.where(FeedbackVote.session_id == session_id)
                prompted = prompted.where(FeedbackPrompt.session_id == session_id)
            vote_rows = (await db.execute(votes.group_by(FeedbackVote.session_id, FeedbackVote.rating))).all()
            asked: dict[str, int] = {sid: int(n) for sid, n in (await db.execute(prompted.group_by(FeedbackPrompt.session_id))).all()}
        distribution: dict[str, list[int]] = {}
        comments: dict[str, int] = {}
        for sid, rating, count, commented in vote_rows:
            distribution.setdefault(sid, [0] * 5)[rating - 1] += int(count)
            comments[sid] = comments.get(sid, 0) + int(commented)
        order = {s.id: i for i, s in enumerate(snap.sessions)}
        ids = sorted(set(distribution) | set(asked), key=lambda sid: (order.get(sid, len(order)), sid))
        return [
            SessionResult(sid, session_by_id(snap, sid), int(asked.get(sid, 0)), tuple(distribution.get(sid, [0] * 5)),  # type: ignore[arg-type]
                          comments.get(sid, 0))
            for sid in ids
        ]

    async def comments(self, session_id: str) -> list[CommentView]:
        async with self.database.session() as db:
            rows = (await db.execute(
                select(FeedbackVote.rating, FeedbackVote.comment, FeedbackVote.updated_at)
                .where(FeedbackVote.session_id == session_id, FeedbackVote.comment.is_not(None))
                .order_by(FeedbackVote.updated_at, FeedbackVote.id)
            )).all()
        return [CommentView(rating, comment, at) for rating, comment, at in rows]


def _unasked_attendees(session_ids: list[str]) -> Any:
    """SQL: (user, session, chat, language) of active attendees of these sessions not yet asked."""
    attendees = union(
        select(Reminder.user_id, Reminder.session_id).where(Reminder.session_id.in_(session_ids)),
        select(SessionOpened.user_id, SessionOpened.session_id).where(SessionOpened.session_id.in_(session_ids)),
    ).subquery()
    asked = exists().where(and_(FeedbackPrompt.user_id == attendees.c.user_id, FeedbackPrompt.session_id == attendees.c.session_id))
    return (
        select(attendees.c.user_id, attendees.c.session_id, Delegate.chat_id, Delegate.language)
        .join(Delegate, Delegate.user_id == attendees.c.user_id)
        .where(Delegate.active.is_(True), ~asked)
        .order_by(attendees.c.session_id, attendees.c.user_id)
        .limit(BATCH)
    )


def _translator(snap: EventSnapshot, language: str) -> Translator:
    return Translator(language, snap.timezone, snap.default_language)


def _insert(db: AsyncSession) -> Any:
    """The dialect's INSERT, for ON CONFLICT: a double press or two replicas must not fail on a unique key."""
    dialect = db.bind.dialect.name if db.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
