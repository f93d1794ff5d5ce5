"""Which chats have the Mini App's menu button in which language (setChatMenuButton is per chat; the
default button speaks the event's default language)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, String

from bot.db import Base, UTCDateTime


class MenuButton(Base):
    __tablename__ = "miniapp_menu_button"

    chat_id: int = Column(BigInteger, primary_key=True)
    language: str = Column(String(16), nullable=False)
    url: str = Column(String(500), nullable=False)  # a new PUBLIC_URL means setting it again
    set_at: datetime = Column(UTCDateTime, nullable=False)
