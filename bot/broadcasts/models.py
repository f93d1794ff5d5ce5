"""Organiser broadcasts: one row per announcement, from its draft to its final report.

The draft lives here and not in memory, so an organiser's conversation survives a restart and a
confirmation button can only confirm the draft it was made for. Each recipient's message is an
outbox row (kind "broadcast", source_id = the broadcast id); this table keeps what the organiser
asked for and where the broadcast stands.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String

from bot.db import Base, UTCDateTime

# Lifecycle: draft -> scheduled -> sending -> done, or -> cancelled / discarded on the way.
DRAFT, SCHEDULED, SENDING, DONE, CANCELLED, DISCARDED = "draft", "scheduled", "sending", "done", "cancelled", "discarded"


class Broadcast(Base):
    __tablename__ = "broadcast"
    __table_args__ = (
        Index("ix_broadcast_owner_status", "created_by", "status"),
        Index("ix_broadcast_status_send_at", "status", "send_at"),
    )

    id: int = Column(Integer, primary_key=True)
    origin: str = Column(String(16), nullable=False)  # telegram, console or cli
    created_by: int | None = Column(BigInteger)  # the organiser's Telegram user id (None from the console or the CLI)
    sent_by: str | None = Column(String(100))  # the console agent who sent it (0060)
    form_key: str | None = Column(String(64), unique=True)  # the console form it came from: a second submit sends nothing (0060)
    chat_id: int | None = Column(BigInteger)  # where progress and the final report go
    status: str = Column(String(16), nullable=False, default=DRAFT)
    step: str | None = Column(String(40))  # where a draft's conversation stands (text, audience, ...)
    texts: dict[str, str] = Column(JSON, nullable=False, default=dict)  # language -> plain text
    attachment: dict[str, Any] | None = Column(JSON)  # {"kind": photo|document, "file_id", ...}
    audience: str | None = Column(String(120))  # all | lang:<code> | country:<ISO> | session:<id>
    send_at: datetime | None = Column(UTCDateTime)  # None: as soon as it is confirmed
    total: int = Column(Integer, nullable=False, default=0)  # recipients queued when it was released
    progress_message_id: int | None = Column(BigInteger)
    progress_edited_at: datetime | None = Column(UTCDateTime)
    progress_shown: str | None = Column(String(120))  # the counts last shown, to skip needless edits
    created_at: datetime = Column(UTCDateTime, nullable=False)
    updated_at: datetime = Column(UTCDateTime, nullable=False)
    released_at: datetime | None = Column(UTCDateTime)
    finished_at: datetime | None = Column(UTCDateTime)
