"""Read-only views of tickets, handed to the Telegram relay, the console and the export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.clock import utc
from bot.helpdesk.models import Ticket


@dataclass(frozen=True)
class ContextTurn:
    """One message the delegate sent before the question (what a helpdesk agent reads first)."""

    at: datetime
    text: str
    intent: str | None


@dataclass(frozen=True)
class TicketView:
    id: int
    user_id: int | None
    chat_id: int | None
    delegate_name: str | None
    language: str
    text: str
    reason: str
    intent: str | None
    confidence: float | None
    ranking: tuple[tuple[str, float], ...]
    context: tuple[ContextTurn, ...]
    status: str
    created_at: datetime
    topic: str | None = None
    answer: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None
    label_intent: str | None = None
    new_faq: bool = False
    labelled_by: str | None = None
    relay_chat_id: int | None = None
    relay_message_id: int | None = None

    @property
    def forgotten(self) -> bool:
        """The delegate used /forget: no name, no chat, nothing to deliver to."""
        return self.user_id is None

    @property
    def labelled(self) -> bool:
        return self.label_intent is not None or self.new_faq

    @property
    def post_state(self) -> str:
        """What the group post must show; the post is edited when this differs from what it shows."""
        return self.status + (":anon" if self.forgotten else "")


def _ranking(raw: list[Any] | None) -> tuple[tuple[str, float], ...]:
    pairs = []
    for item in raw or []:
        try:
            pairs.append((str(item[0]), float(item[1])))
        except (TypeError, ValueError, IndexError):
            continue
    return tuple(pairs)


def _context(raw: list[Any] | None) -> tuple[ContextTurn, ...]:
    turns = []
    for item in raw or []:
        try:
            turns.append(ContextTurn(utc(datetime.fromisoformat(item["at"])), str(item.get("text") or ""), item.get("intent")))
        except (TypeError, ValueError, KeyError):
            continue
    return tuple(turns)


def ticket_view(row: Ticket) -> TicketView:
    return TicketView(
        id=row.id, user_id=row.user_id, chat_id=row.chat_id, delegate_name=row.delegate_name,
        language=row.language, text=row.text, reason=row.reason, intent=row.intent, confidence=row.confidence,
        ranking=_ranking(row.ranking), context=_context(row.context), status=row.status, created_at=row.created_at,
        topic=row.topic, answer=row.answer, answered_by=row.answered_by, answered_at=row.answered_at,
        closed_by=row.closed_by, closed_at=row.closed_at, label_intent=row.label_intent, new_faq=bool(row.new_faq),
        labelled_by=row.labelled_by, relay_chat_id=row.relay_chat_id, relay_message_id=row.relay_message_id,
    )


@dataclass(frozen=True)
class TicketFilter:
    """What the console's ticket list shows; None means any."""

    status: str | None = "open"
    language: str | None = None
    intent: str | None = None
    day: date | None = None  # the day in the event's time zone
    label: str | None = None  # "unlabelled", "labelled" or "faq"
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class Outcome:
    """The result of an agent's action on a ticket; `problem` says why nothing happened."""

    ticket: TicketView | None
    problem: str | None = None  # not_found, already_answered, closed, forgotten, empty, unknown_intent

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class Count:
    key: str
    count: int


@dataclass(frozen=True)
class Stats:
    """Unanswered questions (tickets) per day, intent and language, and per status."""

    per_day: tuple[Count, ...]
    per_intent: tuple[Count, ...]
    per_language: tuple[Count, ...]
    per_status: tuple[Count, ...]
    total: int
