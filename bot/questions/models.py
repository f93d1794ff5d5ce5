"""Questions to speakers: one row per question, from the delegate's draft to the moderator's decision.

The draft lives here and not in memory (like a broadcast draft), so the conversation survives a
restart and a button names the row it belongs to. A decision is one conditional UPDATE on `status`,
which is what makes two moderators pressing at once safe on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Text

from bot.db import Base, UTCDateTime

# Lifecycle: draft -> pending -> approved | rejected; a draft may be discarded instead.
DRAFT, PENDING, APPROVED, REJECTED, DISCARDED = "draft", "pending", "approved", "rejected", "discarded"
# Where a draft's conversation stands: waiting for the typed text, then for anonymous / show my name.
# STEP_SESSION: /ask came with its text while several sessions ran; the text waits for the choice.
STEP_TEXT, STEP_VISIBILITY, STEP_SESSION = "text", "visibility", "session"
NO_SESSION = ""  # a draft's session_id until the delegate chose one (STEP_SESSION)


class Question(Base):
    __tablename__ = "question"
    __table_args__ = (
        Index("ix_question_user_status", "user_id", "status"),
        Index("ix_question_session_status", "session_id", "status"),
    )

    id: int = Column(Integer, primary_key=True)
    session_id: str = Column(String(120), nullable=False)
    user_id: int | None = Column(BigInteger)  # None once the delegate used /forget (approved ones are kept)
    chat_id: int | None = Column(BigInteger)  # where the delegate hears about the decision
    status: str = Column(String(16), nullable=False, default=DRAFT)
    step: str | None = Column(String(16))  # only while a draft
    text: str | None = Column(Text)
    show_name: bool = Column(Boolean, nullable=False, default=False)
    asker_name: str | None = Column(String(120))  # kept only when the delegate chose to show it
    decided_by: int | None = Column(BigInteger)  # the moderator's Telegram user id
    decided_by_name: str | None = Column(String(120))
    created_at: datetime = Column(UTCDateTime, nullable=False)
    updated_at: datetime = Column(UTCDateTime, nullable=False)
    asked_at: datetime | None = Column(UTCDateTime)  # when it reached the moderation queue
    decided_at: datetime | None = Column(UTCDateTime)
    # Every moderator's card shows the decision (edited through the outbox, or never sent): set once
    # nothing is left to do, so that the card loop stops looking at this question.
    cards_closed_at: datetime | None = Column(UTCDateTime)


@dataclass(frozen=True)
class QuestionView:
    """A question as the rest of the feature sees it (no ORM object leaves a unit of work)."""

    id: int
    session_id: str
    user_id: int | None
    chat_id: int | None
    status: str
    step: str | None
    text: str
    show_name: bool
    asker_name: str | None
    decided_by: int | None
    decided_by_name: str | None
    created_at: datetime
    asked_at: datetime | None
    decided_at: datetime | None

    @property
    def shown_name(self) -> str | None:
        """The name others may see: only when the delegate chose to show it."""
        return self.asker_name if self.show_name and self.asker_name else None


def view(row: Question) -> QuestionView:
    return QuestionView(
        id=row.id, session_id=row.session_id, user_id=row.user_id, chat_id=row.chat_id, status=row.status,
        step=row.step, text=row.text or "", show_name=bool(row.show_name), asker_name=row.asker_name,
        decided_by=row.decided_by, decided_by_name=row.decided_by_name, created_at=row.created_at,
        asked_at=row.asked_at, decided_at=row.decided_at,
    )
