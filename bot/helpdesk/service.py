"""The helpdesk inbox: tickets from unanswered questions and from "This didn't answer my question",
their posts in the helpdesk group, answers (delivered to the delegate through the outbox), closing,
labelling for training, and statistics.

Knows nothing of Telegram: the relay handlers and the web console call it. Every state change is
one atomic UPDATE guarded by the ticket's status, so two agents (or two replicas) answering the same
ticket at once deliver exactly one answer; the outbox message is queued in the same transaction.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers.reply import Reply
from bot.conversation.handoff import Unanswered
from bot.conversation.models import Turn
from bot.conversation.service import CONTEXT_TURNS, MAX_TEXT
from bot.db import Database, affected
from bot.delegates.service import DelegateService, DelegateView
from bot.event.service import EventService
from bot.helpdesk import replies
from bot.helpdesk.models import ANSWERED, CLOSED, NOT_HELPFUL, OPEN, STATUSES, Ticket
from bot.helpdesk.views import Count, Outcome, Stats, TicketFilter, TicketView, ticket_view
from bot.i18n import Translator
from bot.outbox import service as outbox
from bot.outbox.models import SENT, OutboxMessage
from bot.outbox.service import PRIORITY_HELPDESK, PRIORITY_REPLY, Outgoing, enqueue
from nlu.interpreter import Interpreter, NluUnavailable

log = logging.getLogger(__name__)
T = Ticket.__table__.c  # the columns, for is_()/in_() (typed for mypy, unlike the mapped attributes)
OB = OutboxMessage.__table__.c
KIND = "helpdesk"  # the outbox kind of everything this feature sends
MAX_ANSWER = 4000
FAQ_LABEL = "new FAQ"


def post_key(ticket_id: int) -> str:
    return f"helpdesk:post:{ticket_id}"


def answer_key(ticket_id: int) -> str:
    return f"helpdesk:answer:{ticket_id}"


LIST_KEY = "helpdesk:list:"  # the dedupe keys of /tickets lists start so


def forgotten(ticket: TicketView) -> TicketView:
    """A ticket as it stands once its delegate used /forget (HelpdeskService.forget stores it so)."""
    return replace(
        ticket, user_id=None, chat_id=None, delegate_name=None, context=(), text="", answer=None,
        status=CLOSED if ticket.status == OPEN else ticket.status,
    )


@dataclass(frozen=True)
class NotHelpful:
    """What pressing "This didn't answer my question" did: opened a ticket, found one, or nothing."""

    status: str  # "created", "exists" or "invalid"
    ticket_id: int | None = None


@dataclass(frozen=True)
class PostEdit:
    """A group post that shows an older state of its ticket than the ticket has now."""

    ticket: TicketView
    shown: str | None


class HelpdeskService:
    def __init__(
        self, database: Database, events: EventService, delegates: DelegateService, interpreter: Interpreter,
        now: Callable[[], datetime], helpdesk_chat_id: int | None, intents: Iterable[str] = (),
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        """`on_queued` is called after a message was queued (the outbox doorbell: deliver now)."""
        self.database = database
        self.events = events
        self.delegates = delegates
        self.interpreter = interpreter
        self.now = now
        self.helpdesk_chat_id = helpdesk_chat_id
        self.intents = tuple(intents)
        self.on_queued = on_queued

    async def translator(self, language: str | None = None) -> Translator:
        """The delegate's language, or (for the helpdesk team) the event's default language."""
        snap = await self.events.snapshot()
        return Translator(language or snap.default_language, snap.timezone, snap.default_language)

    def _queued(self) -> None:
        if self.on_queued is not None:
            self.on_queued()

    async def zone(self) -> ZoneInfo:
        return (await self.events.snapshot()).zone

    # --- reading -----------------------------------------------------------------------------
    async def get(self, ticket_id: int) -> TicketView | None:
        async with self.database.session() as db:
            row = await db.get(Ticket, ticket_id)
            return ticket_view(row) if row else None

    # --- the conversation's handoff (bot.conversation.handoff.Handoff) ---------------------------
    async def record_unanswered(self, db: AsyncSession, question: Unanswered) -> int:
        """A question the assistant handed off becomes an open ticket, in the caller's transaction
        (the conversation's, which records the turn with it)."""
        ticket = Ticket(
            user_id=question.user_id, chat_id=question.chat_id, delegate_name=question.delegate_name,
            language=question.language, text=question.text, reason=question.reason, intent=question.intent,
            confidence=question.confidence, ranking=question.ranking, context=question.context, status=OPEN,
            created_at=question.at,
        )
        db.add(ticket)
        await db.flush()
        return int(ticket.id)

    async def unanswered_recorded(self, ticket_id: int) -> None:
        """Once the ticket is committed: its post goes to the helpdesk group."""
        await self.relay(ticket_id)

    async def tickets(self, wanted: TicketFilter) -> tuple[list[TicketView], int]:
        """The tickets a filter selects (a page of them) and how many it selects in all."""
        conditions = []
        if wanted.status:
            conditions.append(Ticket.status == wanted.status)
        if wanted.language:
            conditions.append(Ticket.language == wanted.language)
        if wanted.intent:
            conditions.append(or_(Ticket.intent == wanted.intent, Ticket.label_intent == wanted.intent))
        if wanted.day:
            start, end = self._day_range(wanted.day, await self.zone())
            conditions += [Ticket.created_at >= start, Ticket.created_at < end]
        if wanted.label == "unlabelled":
            conditions += [T.label_intent.is_(None), T.new_faq.is_(False)]
        elif wanted.label == "labelled":
            conditions.append(or_(T.label_intent.is_not(None), T.new_faq.is_(True)))
        elif wanted.label == "faq":
            conditions.append(T.new_faq.is_(True))
        where = and_(true(), *conditions)
        order = T.created_at.asc() if wanted.status == OPEN else T.created_at.desc()
        async with self.database.session() as db:
            total = int((await db.execute(select(func.count()).select_from(Ticket).where(where))).scalar() or 0)
            rows = (await db.execute(select(Ticket).where(where).order_by(order, Ticket.id).limit(wanted.limit).offset(wanted.offset))).scalars()
            return [ticket_view(r) for r in rows], total

    @staticmethod
    def _day_range(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
        start = datetime.combine(day, time(0), zone)
        return start, datetime.combine(day + timedelta(days=1), time(0), zone)

    async def facets(self) -> tuple[list[str], list[str]]:
        """The languages and intents that occur in tickets, for the console's filters."""
        async with self.database.session() as db:
            languages = sorted(set((await db.execute(select(Ticket.language).distinct())).scalars()))
            intents = set((await db.execute(select(Ticket.intent).distinct())).scalars())
            intents |= set((await db.execute(select(Ticket.label_intent).distinct())).scalars())
        return languages, sorted(i for i in intents if i)

    async def stats(self) -> Stats:
        """Unanswered questions per day (in the event's zone), NLU intent and language."""
        zone = await self.zone()
        async with self.database.session() as db:
            rows = (await db.execute(select(Ticket.created_at, Ticket.intent, Ticket.language, Ticket.status))).all()
        days = Counter(created.astimezone(zone).date().isoformat() for created, _, _, _ in rows)
        intents = Counter(intent or "—" for _, intent, _, _ in rows)
        languages = Counter(language for _, _, language, _ in rows)
        statuses = Counter(status for _, _, _, status in rows)
        return Stats(
            per_day=tuple(Count(k, days[k]) for k in sorted(days)),
            per_intent=tuple(Count(k, n) for k, n in intents.most_common()),
            per_language=tuple(Count(k, n) for k, n in languages.most_common()),
            per_status=tuple(Count(s, statuses.get(s, 0)) for s in STATUSES),
            total=len(rows),
        )

    async def open_tickets(self, limit: int = replies.LIST_LIMIT) -> tuple[list[TicketView], int]:
        return await self.tickets(TicketFilter(status=OPEN, limit=limit))

    # --- "This didn't answer my question" ----------------------------------------------------
    async def last_turn_id(self, user_id: int) -> int | None:
        """The delegate's latest question, which the answer just sent is about."""
        async with self.database.session() as db:
            return (await db.execute(select(func.max(Turn.id)).where(Turn.user_id == user_id))).scalar()

    async def open_from_turn(self, delegate: DelegateView, arg: str) -> NotHelpful:
        """Opens a ticket for the question of turn `arg`, only if that turn is this delegate's own."""
        if not arg.isdigit() or len(arg) > 12:
            return NotHelpful("invalid")
        turn_id = int(arg)
        async with self.database.session() as db:
            turn = (await db.execute(select(Turn).where(Turn.id == turn_id, Turn.user_id == delegate.user_id))).scalars().first()
            if turn is None:
                return NotHelpful("invalid")
            existing = (await db.execute(select(Ticket.id).where(Ticket.turn_id == turn_id))).scalar()
            if existing is not None:
                return NotHelpful("exists", existing)
            before = (await db.execute(
                select(Turn).where(Turn.user_id == delegate.user_id, Turn.id < turn_id).order_by(Turn.__table__.c.id.desc()).limit(CONTEXT_TURNS)
            )).scalars().all()
            question, intent, confidence, topic = turn.text, turn.intent, turn.confidence, turn.topic
            context = [{"at": t.at.isoformat(), "text": t.text, "intent": t.intent, "topic": t.topic} for t in reversed(before)]
        ranking = await self._ranking(question)
        try:
            async with self.database.session() as db:
                ticket = Ticket(
                    user_id=delegate.user_id, chat_id=delegate.chat_id, delegate_name=delegate.first_name,
                    language=delegate.language, text=question, reason=NOT_HELPFUL, intent=intent, confidence=confidence,
                    ranking=ranking, context=context, status=OPEN, created_at=self.now(), turn_id=turn_id, topic=topic,
                )
                db.add(ticket)
                await db.flush()
                ticket_id = ticket.id
        except IntegrityError:  # the same button pressed twice at once
            async with self.database.session() as db:
                return NotHelpful("exists", (await db.execute(select(Ticket.id).where(Ticket.turn_id == turn_id))).scalar())
        return NotHelpful("created", ticket_id)

    async def _ranking(self, text: str) -> list[list[object]]:
        """The NLU's ranking for a question (turns do not keep it); empty when the NLU is down."""
        try:
            parse = await self.interpreter.parse(text[:MAX_TEXT])
        except NluUnavailable:
            return []
        return [[name, round(conf, 4)] for name, conf in parse.ranking]

    # --- agents' actions ---------------------------------------------------------------------
    async def answer(self, ticket_id: int, text: str, by: str) -> Outcome:
        """Answers an open ticket: the answer is queued for the delegate in the same transaction."""
        text = text.strip()[:MAX_ANSWER]
        if not text:
            return Outcome(await self.get(ticket_id), "empty")
        current = await self.get(ticket_id)
        if current is None or current.status != OPEN or current.chat_id is None:
            return self._refusal(current)
        delegate = await self.delegates.get(current.user_id) if current.user_id is not None else None
        tr = await self.translator(delegate.language if delegate else current.language)
        now = self.now()
        async with self.database.session() as db:
            result = await db.execute(
                update(Ticket.__table__).where(Ticket.id == ticket_id, Ticket.status == OPEN, T.chat_id.is_not(None))
                .values(status=ANSWERED, answer=text, answered_by=by[:200], answered_at=now)
            )
            if affected(result) != 1:
                row = None
            else:
                row = await db.get(Ticket, ticket_id)
                assert row is not None and row.chat_id is not None
                await enqueue(db, [Outgoing(
                    row.chat_id, (replies.answer_reply(tr, row.text, text),), KIND, answer_key(ticket_id), now,
                    source_id=f"ticket:{ticket_id}", priority=PRIORITY_HELPDESK,
                )], now)
        if row is None:
            return self._refusal(await self.get(ticket_id))
        self._queued()
        log.info("ticket %s answered", ticket_id)  # who answered is in the ticket, not in the logs
        return Outcome(await self.get(ticket_id))

    async def close(self, ticket_id: int, by: str) -> Outcome:
        """Closes an open ticket without an answer (a duplicate, spam, answered elsewhere)."""
        async with self.database.session() as db:
            result = await db.execute(
                update(Ticket.__table__).where(Ticket.id == ticket_id, Ticket.status == OPEN)
                .values(status=CLOSED, closed_by=by[:200], closed_at=self.now())
            )
        view = await self.get(ticket_id)
        return Outcome(view) if affected(result) == 1 else self._refusal(view)

    async def label(self, ticket_id: int, intent: str | None, new_faq: bool, by: str) -> Outcome:
        """Says which intent the question should have been (training data), or that it needs a new FAQ."""
        if intent is not None and intent not in self.intents:
            return Outcome(await self.get(ticket_id), "unknown_intent")
        labelled = intent is not None or new_faq
        async with self.database.session() as db:
            row = await db.get(Ticket, ticket_id)
            if row is None:
                return Outcome(None, "not_found")
            row.label_intent, row.new_faq = intent, new_faq
            row.labelled_by, row.labelled_at = (by[:200], self.now()) if labelled else (None, None)
        return Outcome(await self.get(ticket_id))

    @staticmethod
    def _refusal(view: TicketView | None) -> Outcome:
        if view is None:
            return Outcome(None, "not_found")
        if view.status == ANSWERED:
            return Outcome(view, "already_answered")
        if view.forgotten:
            return Outcome(view, "forgotten")
        return Outcome(view, "closed")

    # --- the helpdesk group ------------------------------------------------------------------
    async def relay(self, ticket_id: int) -> bool:
        """Queues the ticket's post for the helpdesk group, once (claimed by relay_queued_at)."""
        if self.helpdesk_chat_id is None:
            return False
        tr = await self.translator()
        now = self.now()
        async with self.database.session() as db:
            claimed = await db.execute(
                update(Ticket.__table__).where(Ticket.id == ticket_id, T.relay_queued_at.is_(None), Ticket.status == OPEN)
                .values(relay_queued_at=now, relay_chat_id=self.helpdesk_chat_id)
            )
            if affected(claimed) != 1:
                return False
            row = await db.get(Ticket, ticket_id)
            assert row is not None
            view = ticket_view(row)
            row.relay_shown = view.post_state
            await enqueue(db, [Outgoing(
                self.helpdesk_chat_id, (replies.post_reply(tr, view),), KIND, post_key(ticket_id), now,
                source_id=f"ticket:{ticket_id}", priority=PRIORITY_HELPDESK,
            )], now)
        self._queued()
        return True

    async def relay_pending(self, limit: int = 50) -> int:
        """Queues the posts of open tickets that were not queued (a crash between ticket and post)."""
        if self.helpdesk_chat_id is None:
            return 0
        async with self.database.session() as db:
            ids = list((await db.execute(
                select(Ticket.id).where(Ticket.status == OPEN, T.relay_queued_at.is_(None)).order_by(Ticket.id).limit(limit)
            )).scalars())
        return sum([await self.relay(i) for i in ids])

    async def sync_relay_ids(self, limit: int = 200) -> int:
        """Records the Telegram message id of each post the outbox dispatcher has sent."""
        async with self.database.session() as db:
            waiting = list((await db.execute(
                select(Ticket.id).where(T.relay_queued_at.is_not(None), T.relay_message_id.is_(None)).limit(limit)
            )).scalars())
            if not waiting:
                return 0
            keys = {post_key(i): i for i in waiting}
            sent = (await db.execute(
                select(OutboxMessage.dedupe_key, OutboxMessage.chat_id, OutboxMessage.telegram_message_ids)
                .where(OB.dedupe_key.in_(list(keys)), OutboxMessage.status == SENT)
            )).all()
            recorded = 0
            for key, chat_id, message_ids in sent:
                if message_ids:
                    await db.execute(
                        update(Ticket.__table__).where(Ticket.id == keys[key], T.relay_message_id.is_(None))
                        .values(relay_message_id=int(message_ids[0]), relay_chat_id=chat_id)
                    )
                    recorded += 1
            return recorded

    async def ticket_for_post(self, chat_id: int, message_id: int, marker_id: int | None = None) -> TicketView | None:
        """The ticket whose group post this is: by its recorded message id, else by the post's
        "#id" marker (for a post sent before the dispatcher's message id was recorded)."""
        async with self.database.session() as db:
            row = (await db.execute(
                select(Ticket).where(Ticket.relay_chat_id == chat_id, Ticket.relay_message_id == message_id)
            )).scalars().first()
            if row is None and marker_id is not None:
                row = (await db.execute(
                    select(Ticket).where(Ticket.id == marker_id, Ticket.relay_chat_id == chat_id, T.relay_queued_at.is_not(None))
                )).scalars().first()
                if row is not None and row.relay_message_id is None:
                    row.relay_message_id = message_id
            return ticket_view(row) if row else None

    async def posts_to_edit(self, limit: int = 20) -> list[PostEdit]:
        """Posts that show an older state than their ticket's (answered, closed, delegate forgotten)."""
        desired: Any = case((T.user_id.is_(None), T.status + ":anon"), else_=T.status)
        async with self.database.session() as db:
            rows = (await db.execute(
                select(Ticket).where(
                    T.relay_message_id.is_not(None), or_(T.relay_shown.is_(None), Ticket.relay_shown != desired)
                ).order_by(Ticket.id).limit(limit)
            )).scalars().all()
            return [PostEdit(ticket_view(r), r.relay_shown) for r in rows]

    async def claim_post_edit(self, edit: PostEdit, *, release: bool = False) -> bool:
        """Claims the edit of a post (from what it shows to the ticket's state) so that one replica
        makes it; `release=True` gives the claim back after a failed edit, for a later retry."""
        old, new = (edit.ticket.post_state, edit.shown) if release else (edit.shown, edit.ticket.post_state)
        shown = T.relay_shown.is_(None) if old is None else Ticket.relay_shown == old
        async with self.database.session() as db:
            result = await db.execute(update(Ticket.__table__).where(Ticket.id == edit.ticket.id, shown).values(relay_shown=new))
            return bool(affected(result) == 1)

    async def queue_group_note(self, reply: Reply, dedupe_key: str) -> bool:
        """A short message to the helpdesk group (the open-ticket list, why a reply was refused)."""
        if self.helpdesk_chat_id is None:
            return False
        now = self.now()
        async with self.database.session() as db:
            queued = bool(await enqueue(db, [Outgoing(
                self.helpdesk_chat_id, (reply,), KIND, dedupe_key, now, priority=PRIORITY_REPLY,
            )], now))
        self._queued()
        return queued

    # --- /forget -----------------------------------------------------------------------------
    async def forget(self, user_id: int) -> None:
        """Keeps nothing of the delegate in their tickets (no name, chat, context, question or answer;
        the rows stay, as statistics: when, language, reason, intent, status, labels; open ones are
        closed): their answers are erased from the outbox, the group posts kept there (queued or sent)
        are rendered again without them, as are the /tickets lists that quoted them, and their turns
        are unlinked (SQLite may reuse the ids). The relay loop then edits the posts in the group."""
        tr = await self.translator()
        async with self.database.session() as db:
            rows = (await db.execute(select(Ticket).where(Ticket.user_id == user_id))).scalars().all()
            for row in rows:
                row.turn_id = None
                await outbox.erase(db, dedupe_key=answer_key(row.id))
                if row.relay_queued_at is not None:
                    await outbox.replace_payload(db, post_key(row.id), [replies.post_reply(tr, forgotten(ticket_view(row)))])
                row.user_id = row.chat_id = None
                row.delegate_name = None
                row.context = []
                row.text, row.answer = "", None
                if row.status == OPEN:
                    row.status = CLOSED
            await self._forget_in_lists(db, [row.id for row in rows])

    async def _forget_in_lists(self, db: AsyncSession, ticket_ids: list[int]) -> None:
        """/tickets lists quote the open tickets: those that quote one of these keep no text (and are
        not sent, if they were still waiting)."""
        if not ticket_ids:
            return
        marks = [f"#{i} · " for i in ticket_ids]
        quoting = [
            row_id for row_id, items in (await db.execute(
                select(OutboxMessage.id, OutboxMessage.payload).where(OB.dedupe_key.startswith(LIST_KEY))
            )).all()
            if any(mark in str(items) for mark in marks)
        ]
        if quoting:
            await outbox.blank(db, ids=quoting)

    # --- training data -----------------------------------------------------------------------
    async def labelled_examples(self) -> list[tuple[str, str]]:
        return await labelled_examples(self.database)

    async def faq_candidates(self) -> list[str]:
        return await faq_candidates(self.database)


async def labelled_examples(database: Database) -> list[tuple[str, str]]:
    """(intent, question) for every question an agent labelled with an intent (for the export); the
    questions of delegates who used /forget are gone."""
    async with database.session() as db:
        rows = (await db.execute(
            select(Ticket.label_intent, Ticket.text).where(T.label_intent.is_not(None), Ticket.text != "").order_by(Ticket.id)
        )).all()
    return [(intent, text) for intent, text in rows]


async def faq_candidates(database: Database) -> list[str]:
    """Questions an agent marked as needing a new FAQ entry."""
    async with database.session() as db:
        return list((await db.execute(select(Ticket.text).where(T.new_faq.is_(True), Ticket.text != "").order_by(Ticket.id))).scalars())
