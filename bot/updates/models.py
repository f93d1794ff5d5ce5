"""One row per Telegram update a replica has taken on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, String

from bot.db import Base, UTCDateTime


class HandledUpdate(Base):
    __tablename__ = "handled_update"
    update_id: int = Column(BigInteger, primary_key=True, autoincrement=False)
    claimed_at: datetime = Column(UTCDateTime, nullable=False, index=True)
    done: bool = Column(Boolean, nullable=False, default=False)
    # Which ledger (one per running process) holds the claim: only the holder may give it back.
    claimed_by: str | None = Column(String(32))
