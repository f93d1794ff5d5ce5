"""What the conversation hands to people: a question the assistant could not answer.

The conversation knows nothing of tickets: it gives an `Unanswered` to a `Handoff` (the installed
features; the helpdesk keeps it as a ticket), inside the transaction that records the turn, so the
turn and its ticket exist together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class Unanswered:
    user_id: int
    chat_id: int
    delegate_name: str | None
    language: str
    text: str
    reason: str  # why it was handed off: low confidence, out of scope, the NLU down, ...
    at: datetime
    intent: str | None = None
    confidence: float | None = None
    ranking: list[list[Any]] = field(default_factory=list)
    context: list[dict[str, Any]] = field(default_factory=list)  # the delegate's turns before it, oldest first


class Handoff(Protocol):
    async def record_unanswered(self, db: AsyncSession, question: Unanswered) -> int | None: ...

    async def unanswered_recorded(self, ticket_id: int) -> None: ...


class NoHandoff:
    """Nobody takes questions (no helpdesk installed): they are only kept as turns."""

    async def record_unanswered(self, db: AsyncSession, question: Unanswered) -> int | None:
        return None

    async def unanswered_recorded(self, ticket_id: int) -> None:
        return None
