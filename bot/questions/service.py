"""Questions to speakers: when a session takes questions, the delegate's draft, the moderation queue,
decisions and the approved list. Nothing here knows Telegram.

Every message the bot sends on its own (a new question to each moderator, the decision to the
delegate) is queued in the outbox in the same transaction as the change that causes it, so a crash
never leaves a question queued without its moderators told, nor decided without the delegate told.

Once decided, every other moderator's card is edited to show the decision, also through the outbox
(paced, retried, each edit queued once by its dedupe key). A card still in flight at that moment has
no message id yet: `close_cards` (the card loop, every second) finishes the job once it has one, and
`Question.cards_closed_at` says when nothing is left to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import Exists

from bot.answers.reply import Reply
from bot.db import Database, affected
from bot.delegates.models import Delegate, RoleGrant
from bot.event.service import EventService, EventSnapshot, SessionView, active_sessions, session_by_id
from bot.i18n import Translator
from bot.logs import who
from bot.outbox import service as outbox
from bot.outbox.models import PENDING as OUTBOX_PENDING
from bot.outbox.models import SENDING as OUTBOX_SENDING
from bot.outbox.models import SENT as OUTBOX_SENT
from bot.outbox.payload import Edit
from bot.outbox.service import PRIORITY_HELPDESK, PRIORITY_REMINDER, Outgoing
from bot.questions import replies
from bot.questions.models import (
    APPROVED,
    DISCARDED,
    DRAFT,
    NO_SESSION,
    PENDING,
    REJECTED,
    STEP_SESSION,
    STEP_TEXT,
    STEP_VISIBILITY,
    Question,
    QuestionView,
    view,
)

log = logging.getLogger(__name__)
KIND = "question"
OPENS_BEFORE = timedelta(minutes=5)  # delegates may ask a little before the session starts
MAX_LENGTH = 500
MAX_PENDING = 5  # per delegate and session: a queue, not a chat
DRAFT_IDLE = timedelta(minutes=10)  # a draft stops capturing typed text this long after its last step
# Programme items nobody puts questions to (meals, breaks, the registration desk...).
NO_QUESTIONS = frozenset({"meal", "break", "registration", "social", "exhibition"})
MODERATOR_ROLES = ("moderator", "organiser")


class QuestionError(ValueError):
    """The question cannot go on as asked; `code` says why (closed, limit, empty, too_long)."""

    def __init__(self, code: str, detail: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def takes_questions(session: SessionView, now: datetime) -> bool:
    """Open from OPENS_BEFORE its start until its end, unless cancelled or a meal, break, ..."""
    return (
        not session.cancelled and session.kind not in NO_QUESTIONS
        and session.starts_at - OPENS_BEFORE <= now < session.ends_at
    )


def open_sessions(snap: EventSnapshot, now: datetime) -> list[SessionView]:
    return [s for s in active_sessions(snap) if takes_questions(s, now)]


def next_open(snap: EventSnapshot, now: datetime) -> SessionView | None:
    """The next session that will take questions (for "nothing is open now")."""
    later = [s for s in active_sessions(snap) if s.kind not in NO_QUESTIONS and s.starts_at - OPENS_BEFORE > now]
    return min(later, key=lambda s: s.starts_at) if later else None


@dataclass(frozen=True)
class Moderator:
    user_id: int
    chat_id: int
    language: str


@dataclass(frozen=True)
class Decision:
    """A moderator's press: `decided` is False when someone else had decided first (then `question`
    says who and what)."""

    question: QuestionView
    decided: bool


@dataclass(frozen=True)
class CardsClosing:
    queued: int  # card edits newly queued
    done: bool  # no card left pending or in flight: the question's cards need nothing more


class QuestionService:
    def __init__(
        self, database: Database, events: EventService, now: Callable[[], datetime], *,
        organiser_ids: Iterable[int] = (), default_language: str = "en", on_queued: Callable[[], None] | None = None,
    ) -> None:
        """`organiser_ids` are the configured organisers (ORGANISER_IDS), moderators by right;
        `on_queued` rings the outbox doorbell after messages were committed."""
        self.database = database
        self.events = events
        self.now = now
        self.organiser_ids = frozenset(organiser_ids)
        self.default_language = default_language
        self.on_queued = on_queued

    def _queued(self) -> None:
        if self.on_queued is not None:
            self.on_queued()

    # --- when ----------------------------------------------------------------------------------
    async def open_sessions(self) -> list[SessionView]:
        return open_sessions(await self.events.snapshot(), self.now())

    # --- the delegate's draft ------------------------------------------------------------------
    async def start_draft(self, user_id: int, chat_id: int, session_id: str, text: str | None = None) -> QuestionView:
        """A new draft for a session taking questions (any earlier draft of this delegate is dropped).

        With `text` (typed after /ask), or the text held while the delegate chose among several
        sessions (`hold_text`), the draft skips to the anonymous / show my name step.
        Raises QuestionError: closed (not taking questions), limit (too many waiting), too_long.
        """
        snap = await self.events.snapshot()
        now = self.now()
        session = session_by_id(snap, session_id)
        if session is None or not takes_questions(session, now):
            raise QuestionError("closed")
        if text is not None:
            text = self.check_text(text)
        async with self.database.session() as db:
            if await self._pending(db, user_id, session_id) >= MAX_PENDING:
                raise QuestionError("limit", MAX_PENDING)  # a held text stays: another session may take it
            if text is None:
                text = await self._held_text(db, user_id)
            await db.execute(
                update(Question).where(Question.user_id == user_id, Question.status == DRAFT)
                .values(status=DISCARDED, updated_at=now)
            )
            row = Question(
                session_id=session_id, user_id=user_id, chat_id=chat_id, status=DRAFT,
                step=STEP_TEXT if text is None else STEP_VISIBILITY, text=text, show_name=False,
                created_at=now, updated_at=now,
            )
            db.add(row)
            await db.flush()
            return view(row)

    async def hold_text(self, user_id: int, chat_id: int, text: str) -> QuestionView:
        """/ask with its text while several sessions take questions: the text waits in a draft without
        a session (STEP_SESSION) until the delegate chooses one (`start_draft` picks it up).
        Raises QuestionError: empty, too_long."""
        text = self.check_text(text)
        now = self.now()
        async with self.database.session() as db:
            await db.execute(
                update(Question).where(Question.user_id == user_id, Question.status == DRAFT)
                .values(status=DISCARDED, updated_at=now)
            )
            row = Question(
                session_id=NO_SESSION, user_id=user_id, chat_id=chat_id, status=DRAFT, step=STEP_SESSION, text=text,
                show_name=False, created_at=now, updated_at=now,
            )
            db.add(row)
            await db.flush()
            return view(row)

    async def _held_text(self, db: AsyncSession, user_id: int) -> str | None:
        found = await db.execute(
            select(Question.text).where(
                Question.user_id == user_id, Question.status == DRAFT, Question.step == STEP_SESSION,
                Question.updated_at >= self.now() - DRAFT_IDLE,
            ).order_by(Question.id.desc()).limit(1)
        )
        return found.scalar_one_or_none()

    def draft_open(self, user_id: int) -> Exists:
        """SQL: the delegate has a draft that `open_draft` would return (asked with the other
        features' flows in one SELECT per message)."""
        return exists().where(and_(
            Question.user_id == user_id, Question.status == DRAFT, Question.updated_at >= self.now() - DRAFT_IDLE,
        ))

    async def open_draft(self, user_id: int) -> QuestionView | None:
        """The delegate's draft touched within DRAFT_IDLE (one indexed query: it runs for every private
        message). An abandoned draft must not swallow tomorrow's questions to the bot."""
        async with self.database.session() as db:
            row = (await db.execute(
                select(Question).where(
                    Question.user_id == user_id, Question.status == DRAFT, Question.updated_at >= self.now() - DRAFT_IDLE,
                ).order_by(Question.id.desc()).limit(1)
            )).scalar_one_or_none()
            return view(row) if row else None

    @staticmethod
    def check_text(text: str) -> str:
        text = text.strip()
        if not text:
            raise QuestionError("empty")
        if len(text) > MAX_LENGTH:
            raise QuestionError("too_long", len(text))
        return text

    async def set_text(self, draft_id: int, user_id: int, text: str) -> QuestionView | None:
        """The typed question; None when the draft is gone or past that step. Raises QuestionError
        (empty, too_long) and then the draft keeps waiting for text."""
        text = self.check_text(text)
        async with self.database.session() as db:
            row = await self._draft(db, draft_id, user_id)
            if row is None or row.step != STEP_TEXT:
                return None
            row.text, row.step, row.updated_at = text, STEP_VISIBILITY, self.now()
            await db.flush()
            return view(row)

    async def discard(self, user_id: int, draft_id: int | None = None) -> bool:
        """Drops the delegate's draft (this one, or any): /cancel, another command, the Cancel button."""
        stmt = update(Question).where(Question.user_id == user_id, Question.status == DRAFT)
        if draft_id is not None:
            stmt = stmt.where(Question.id == draft_id)
        async with self.database.session() as db:
            result = await db.execute(stmt.values(status=DISCARDED, updated_at=self.now()))
            return bool(affected(result))

    async def submit(self, draft_id: int, user_id: int, show_name: bool, name: str | None) -> QuestionView | None:
        """Queues the draft for moderation and tells every moderator, in one transaction.

        None for a stale or forged button (not this delegate's draft at the last step, or a second
        press). Raises QuestionError("limit") when the delegate has MAX_PENDING questions waiting.
        """
        now = self.now()
        snap = await self.events.snapshot()
        async with self.database.session() as db:
            row = await self._draft(db, draft_id, user_id)
            if row is None or row.step != STEP_VISIBILITY or not row.text:
                return None
            if await self._pending(db, user_id, row.session_id) >= MAX_PENDING:
                raise QuestionError("limit", MAX_PENDING)  # the draft stays: they may send it once one is decided
            # The claim: only one press turns this draft into a question.
            claimed = await db.execute(
                update(Question).where(Question.id == draft_id, Question.status == DRAFT, Question.step == STEP_VISIBILITY)
                .values(status=PENDING, step=None, show_name=show_name, asker_name=(name or "")[:120] if show_name else None,
                        asked_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if not affected(claimed):
                return None
            await db.refresh(row)
            question = view(row)
            told = await self._tell_moderators(db, snap, question, now)
        log.info("question %s queued for session %s; %d moderator(s) told", question.id, question.session_id, told)
        self._queued()
        return question

    async def _draft(self, db: AsyncSession, draft_id: int, user_id: int) -> Question | None:
        return (await db.execute(
            select(Question).where(
                Question.id == draft_id, Question.user_id == user_id, Question.status == DRAFT,
                Question.updated_at >= self.now() - DRAFT_IDLE,
            )
        )).scalar_one_or_none()

    async def _pending(self, db: AsyncSession, user_id: int, session_id: str) -> int:
        found = await db.execute(
            select(func.count()).select_from(Question)
            .where(Question.user_id == user_id, Question.session_id == session_id, Question.status == PENDING)
        )
        return int(found.scalar() or 0)

    # --- moderators ----------------------------------------------------------------------------
    async def moderators(self, db: AsyncSession | None = None) -> list[Moderator]:
        """Everyone who moderates (role moderator or organiser, ORGANISER_IDS included), in their
        language when they have talked to the bot. A private chat's id is the user's id."""
        if db is None:
            async with self.database.session() as own:
                return await self.moderators(own)
        granted = set((await db.execute(select(RoleGrant.user_id).where(RoleGrant.role.in_(MODERATOR_ROLES)))).scalars())
        user_ids = sorted(granted | self.organiser_ids)
        if not user_ids:
            return []
        known = {
            row.user_id: row for row in (await db.execute(select(Delegate).where(Delegate.user_id.in_(user_ids)))).scalars()
        }
        found = []
        for user_id in user_ids:
            delegate = known.get(user_id)
            if delegate is not None and not delegate.active:
                continue  # blocked the bot: nothing would arrive
            found.append(Moderator(user_id, delegate.chat_id if delegate else user_id, delegate.language if delegate else self.default_language))
        return found

    async def _tell_moderators(self, db: AsyncSession, snap: EventSnapshot, question: QuestionView, now: datetime) -> int:
        moderators = await self.moderators(db)
        if not moderators:
            log.warning("question %s has no moderator to go to: grant the role with `python -m bot roles add moderator ID`", question.id)
        messages = [
            Outgoing(
                chat_id=m.chat_id, replies=(replies.moderator_card(self._tr(snap, m.language), snap, question),), kind=KIND,
                dedupe_key=f"question:{question.id}:moderator:{m.chat_id}", not_before=now,
                source_id=f"question:{question.id}", priority=PRIORITY_REMINDER,
            )
            for m in moderators
        ]
        return await outbox.enqueue(db, messages, now)

    @staticmethod
    def _tr(snap: EventSnapshot, language: str) -> Translator:
        return Translator(language, snap.timezone, snap.default_language)

    # --- decisions -----------------------------------------------------------------------------
    async def decide(self, question_id: int, approve: bool, moderator_id: int, moderator_name: str | None) -> Decision | None:
        """Approves or rejects a waiting question, once: the first press wins, every later one (another
        moderator's, a double tap, another replica's) gets the decision as it stands. The delegate's
        notice is queued in the same transaction. None when there is no such question (any more)."""
        now = self.now()
        snap = await self.events.snapshot()
        async with self.database.session() as db:
            claimed = await db.execute(
                update(Question).where(Question.id == question_id, Question.status == PENDING)
                .values(status=APPROVED if approve else REJECTED, decided_by=moderator_id,
                        decided_by_name=(moderator_name or str(moderator_id))[:120], decided_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            row = await db.get(Question, question_id)
            if row is None or row.status in (DRAFT, DISCARDED):
                return None
            if affected(claimed):
                await db.refresh(row)
            decision = Decision(view(row), bool(affected(claimed)))
            if decision.decided:
                await self._tell_delegate(db, snap, decision.question, now)
                if (await self._close_cards(db, snap, decision.question, now)).done:
                    row.cards_closed_at = now
                log.info("question %s %s by moderator %s", question_id, decision.question.status, who(moderator_id))
        if decision.decided:
            self._queued()
        return decision

    async def _tell_delegate(self, db: AsyncSession, snap: EventSnapshot, question: QuestionView, now: datetime) -> None:
        if question.user_id is None:
            return
        delegate = await db.get(Delegate, question.user_id)
        if delegate is None or not delegate.active:
            return
        await outbox.enqueue(db, [Outgoing(
            chat_id=delegate.chat_id, replies=(replies.decision_notice(self._tr(snap, delegate.language), snap, question),),
            kind=KIND, dedupe_key=f"question:{question.id}:decision", not_before=now,
            source_id=f"question:{question.id}", priority=PRIORITY_HELPDESK,
        )], now)

    # --- the other moderators' cards ------------------------------------------------------------------
    async def close_cards(self, limit: int = 50) -> int:
        """Brings decided questions' moderator cards up to date (see `_close_cards`); run by the card
        loop. Safe on several replicas: each edit is queued once (dedupe key), a cancel is conditional.
        Returns how many edits were queued."""
        now = self.now()
        snap = await self.events.snapshot()
        queued = 0
        async with self.database.session() as db:
            rows = (await db.execute(
                select(Question).where(Question.status.in_([APPROVED, REJECTED]), Question.cards_closed_at.is_(None))
                .order_by(Question.decided_at, Question.id).limit(limit)
            )).scalars().all()
            for row in rows:
                closing = await self._close_cards(db, snap, view(row), now)
                queued += closing.queued
                if closing.done:
                    row.cards_closed_at = now
        if queued:
            self._queued()
        return queued

    async def _close_cards(self, db: AsyncSession, snap: EventSnapshot, question: QuestionView, now: datetime) -> CardsClosing:
        """Queues an edit of every sent card (but the decider's, edited by their press) showing the
        decision without buttons, in each moderator's language; cancels cards not sent yet (nobody
        needs to moderate a decided question). `done` when no card is left in flight."""
        cards = await outbox.deliveries(db, f"question:{question.id}:moderator:")
        sent = [c for c in cards if c.status == OUTBOX_SENT and c.message_ids and c.chat_id != question.decided_by]
        languages = await self._languages(db, [c.chat_id for c in sent])
        edits = [
            Outgoing(
                chat_id=c.chat_id, kind=KIND, dedupe_key=f"question:{question.id}:card-edit:{c.chat_id}", not_before=now,
                source_id=f"question:{question.id}", priority=PRIORITY_REMINDER,
                replies=(self._edit(replies.moderator_card(self._tr(snap, languages.get(c.chat_id, self.default_language)), snap, question), c.message_ids[-1]),),
            )
            for c in sent
        ]
        queued = await outbox.enqueue(db, edits, now)
        if any(c.status == OUTBOX_PENDING for c in cards):
            await outbox.cancel(db, dedupe_prefix=f"question:{question.id}:moderator:")
            cards = await outbox.deliveries(db, f"question:{question.id}:moderator:")
        return CardsClosing(queued, done=not any(c.status in (OUTBOX_PENDING, OUTBOX_SENDING) for c in cards))

    @staticmethod
    def _edit(card: Reply, message_id: int) -> Edit:
        return Edit(card.text, card.buttons, message_id=message_id)

    async def _languages(self, db: AsyncSession, chat_ids: list[int]) -> dict[int, str]:
        if not chat_ids:
            return {}
        found = await db.execute(select(Delegate.chat_id, Delegate.language).where(Delegate.chat_id.in_(chat_ids)))
        return {chat: language for chat, language in found.all()}

    # --- lists ---------------------------------------------------------------------------------
    async def get(self, question_id: int) -> QuestionView | None:
        async with self.database.session() as db:
            row = await db.get(Question, question_id)
            return view(row) if row else None

    async def approved(self, session_id: str) -> list[QuestionView]:
        """A session's approved questions in the order moderators approved them (their running order)."""
        async with self.database.session() as db:
            rows = (await db.execute(
                select(Question).where(Question.session_id == session_id, Question.status == APPROVED)
                .order_by(Question.decided_at, Question.id)
            )).scalars()
            return [view(row) for row in rows]

    async def asked(self, session_id: str) -> list[QuestionView]:
        """Every question that reached the moderators (waiting, approved, rejected), oldest first."""
        async with self.database.session() as db:
            rows = (await db.execute(
                select(Question).where(Question.session_id == session_id, Question.status.in_([PENDING, APPROVED, REJECTED]))
                .order_by(Question.id)
            )).scalars()
            return [view(row) for row in rows]

    async def counts(self, session_id: str) -> dict[str, int]:
        async with self.database.session() as db:
            found = await db.execute(
                select(Question.status, func.count()).where(Question.session_id == session_id).group_by(Question.status)
            )
            return {status: int(n) for status, n in found.all()}

    async def sessions_with_questions(self) -> list[str]:
        async with self.database.session() as db:
            found = await db.execute(select(Question.session_id).where(Question.status.in_([PENDING, APPROVED])).distinct())
            return list(found.scalars())

    async def list_choices(self) -> list[SessionView]:
        """The sessions a moderator may want the list of: taking questions now, or holding some."""
        snap = await self.events.snapshot()
        wanted = set(await self.sessions_with_questions()) | {s.id for s in open_sessions(snap, self.now())}
        return sorted((s for s in snap.sessions if s.id in wanted), key=lambda s: (s.starts_at, s.id))

    # --- /forget -------------------------------------------------------------------------------
    async def forget(self, user_id: int) -> None:
        """/forget: drafts, waiting and rejected questions are deleted, and every message about them
        is erased from the outbox (the moderators' cards, the decision; those not yet sent are never
        sent). Approved ones stay on the session's list, anonymous and no longer linked to anyone,
        because the chair may already have put them to the speakers: see `_anonymise_cards`."""
        snap = await self.events.snapshot()
        async with self.database.session() as db:
            found = (await db.execute(select(Question.id, Question.status).where(Question.user_id == user_id))).all()
            gone = [await self._withdraw_cards(db, snap, question_id) for question_id, status in found if status != APPROVED]
            await db.execute(delete(Question).where(Question.user_id == user_id, Question.status != APPROVED))
            await db.execute(
                update(Question).where(Question.user_id == user_id, Question.status == APPROVED)
                .values(user_id=None, chat_id=None, show_name=False, asker_name=None, updated_at=self.now())
                .execution_options(synchronize_session=False)
            )
            for question_id, status in found:
                if status == APPROVED:
                    row = await db.get(Question, question_id)
                    if row is not None:
                        await self._anonymise_cards(db, snap, view(row))
        if found:
            log.info("forgot %d question(s) of a delegate", len(found))
        if any(gone):
            self._queued()

    async def _withdraw_cards(self, db: AsyncSession, snap: EventSnapshot, question_id: int) -> int:
        """A question of a forgotten delegate that is deleted: every message about it is erased from
        the outbox, and each moderator's card already sent is edited to say it is gone (no text,
        no name, no buttons). Returns how many edits were queued."""
        now = self.now()
        cards = [c for c in await outbox.deliveries(db, f"question:{question_id}:moderator:") if c.status == OUTBOX_SENT and c.message_ids]
        await outbox.erase(db, source_id=f"question:{question_id}")
        languages = await self._languages(db, [c.chat_id for c in cards])
        edits = [
            Outgoing(
                chat_id=c.chat_id, kind=KIND, dedupe_key=f"question:{question_id}:gone:{c.chat_id}", not_before=now,
                source_id=f"question:{question_id}", priority=PRIORITY_REMINDER,
                replies=(self._edit(replies.question_gone(self._tr(snap, languages.get(c.chat_id, self.default_language))), c.message_ids[-1]),),
            )
            for c in cards
        ]
        return await outbox.enqueue(db, edits, now)

    async def _anonymise_cards(self, db: AsyncSession, snap: EventSnapshot, question: QuestionView) -> None:
        """An approved question of a forgotten delegate: the delegate's notice is erased; the cards
        sent to moderators keep no text (only what editing them needs); a card edit still to be
        sent is rendered again without the name."""
        await outbox.erase(db, dedupe_key=f"question:{question.id}:decision")
        await outbox.blank(db, dedupe_prefix=f"question:{question.id}:moderator:")
        edits = await outbox.deliveries(db, f"question:{question.id}:card-edit:")
        await outbox.blank(db, ids=[e.row_id for e in edits if e.status != OUTBOX_PENDING])
        waiting = [e for e in edits if e.status == OUTBOX_PENDING]
        cards = {c.chat_id: c.message_ids[-1] for c in await outbox.deliveries(db, f"question:{question.id}:moderator:") if c.message_ids}
        languages = await self._languages(db, [e.chat_id for e in waiting])
        for e in waiting:
            card = replies.moderator_card(self._tr(snap, languages.get(e.chat_id, self.default_language)), snap, question)
            await outbox.replace_payload(db, e.dedupe_key, [self._edit(card, cards.get(e.chat_id, 0))])
