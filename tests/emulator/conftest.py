"""Fixtures for the Bot API emulator's tests: the emulator on a fake monotonic clock, a real PTB Bot
pointed at it, and a tiny real PTB Application that echoes and answers buttons."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.telegram.emulator import BotApiEmulator, Limits

TOKEN = "123456:TEST"


class FakeMonotonic:
    """A monotonic clock that only moves when told to: rate tests never sleep."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def seconds(value: int | float | dtm.timedelta) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB's settings."""
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
async def emu(monotonic: FakeMonotonic) -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(limits=Limits(clock=monotonic), webhook_retry_delay=0.05) as emulator:
        yield emulator


def make_bot(emu: BotApiEmulator, *, read_timeout: float = 5.0, pool: int = 8) -> Bot:
    request = HTTPXRequest(connection_pool_size=pool, read_timeout=read_timeout)
    return Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url, request=request)


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with make_bot(emu) as ptb_bot:
        yield ptb_bot


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "")


async def _days(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Day 1", callback_data="day:1"), InlineKeyboardButton("Day 2", callback_data="day:2")]]
    )
    await update.effective_message.reply_text("Which day?", reply_markup=keyboard)


async def _day_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    day = query.data.removeprefix("day:")
    await query.answer(f"Day {day} chosen")
    await query.edit_message_text(f"<b>Day {day}</b> agenda", parse_mode="HTML")


@pytest.fixture
async def echo_app(emu: BotApiEmulator) -> AsyncIterator[Application]:
    """A real PTB Application polling the emulator: echoes text, /days offers buttons, buttons edit."""
    app = ApplicationBuilder().token(TOKEN).base_url(emu.base_url).base_file_url(emu.base_file_url).build()
    app.add_handler(CommandHandler("days", _days))
    app.add_handler(CallbackQueryHandler(_day_chosen))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0)
    yield app
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
