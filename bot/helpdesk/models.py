"""Helpdesk tickets: every question the assistant could not answer, kept until a person does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Float, Integer, String, Text

from bot.db import Base, JSONType, UTCDateTime


class Ticket(Base):
    __tablename__ = "ticket"
    id: int = Column(Integer, primary_key=True)
    user_id: int | None = Column(BigInteger, index=True)  # None once the delegate used /forget
    chat_id: int | None = Column(BigInteger)
    delegate_name: str | None = Column(String(200))
    language: str = Column(String(16), nullable=False)
    text: str = Column(Text, nullable=False)
    reason: str = Column(String(32), nullable=False)  # low confidence, out_of_scope, human_handoff, ...
    intent: str | None = Column(String(64))
    confidence: float | None = Column(Float)
    ranking: list[Any] = Column(JSONType, nullable=False, default=list)
    context: list[Any] = Column(JSONType, nullable=False, default=list)
    status: str = Column(String(16), nullable=False, default="open", index=True)
    created_at: datetime = Column(UTCDateTime, nullable=False, index=True)
    answered_at: datetime | None = Column(UTCDateTime)
    answer: str | None = Column(Text)
    answered_by: str | None = Column(String(200))
    label_intent: str | None = Column(String(64))
    relay_chat_id: int | None = Column(BigInteger)
    relay_message_id: int | None = Column(BigInteger)
