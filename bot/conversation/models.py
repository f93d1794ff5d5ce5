"""The last turns of each conversation, kept so a helpdesk agent sees what came before a question."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Float, Integer, String, Text

from bot.db import Base, UTCDateTime


class Turn(Base):
    __tablename__ = "turn"
    id: int = Column(Integer, primary_key=True)
    user_id: int = Column(BigInteger, nullable=False, index=True)
    at: datetime = Column(UTCDateTime, nullable=False)
    text: str = Column(Text, nullable=False)
    intent: str | None = Column(String(64))
    confidence: float | None = Column(Float)
    topic: str | None = Column(String(100))
