"""Kill -9 in the middle of a reminder window, start again: every delegate gets the reminder, and
the only doubles are rows that were inside a Telegram call when the process died (at most
OUTBOX_MAX_IN_FLIGHT of them).

A real bot process (`python -m bot run`) delivers through a Bot API emulator started by this test
at Telegram's real limits; it is killed with SIGKILL part-way and a new process finishes the job
once the dead one's leases (OUTBOX_LEASE_SECONDS) have run out. The emulator's record of calls is
the witness.
"""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from bot.db import Database
from bot.delegates.models import Delegate
from bot.event.importer import import_event
from bot.event.loader import parse_event
from bot.event.service import EventService
from bot.outbox.models import SENDING, SENT, OutboxMessage
from bot.reminders.models import QUEUED, Reminder
from bot.reminders.service import ReminderService
from bot.telegram.emulator.limits import Limits
from bot.telegram.emulator.server import BotApiEmulator
from tests.conftest import SAMPLE_EVENT
from tests.processes import exited, start_bot, stop, wait_until
from tests.reminders.conftest import CRISIS, EVENT_TEXT, at

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
DELEGATES = 300
FIRST_CHAT = 300_000
IN_FLIGHT = 8
REMINDER_START = "🔔 <b>Session 2"


@pytest.fixture
async def emulator_at_real_limits() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(limits=Limits()) as emu:
        yield emu


async def subscribe_everyone(url: str, chats: range) -> None:
    """The event, delegates who talked to the bot, each subscribed to Session 2 (13:30)."""
    database = Database(url)
    await database.migrate()
    now = at("10:15")
    await import_event(database, parse_event(EVENT_TEXT), now)
    async with database.session() as db:
        await db.execute(insert(Delegate), [
            {"user_id": chat, "chat_id": chat, "language": "en", "language_chosen": False, "consent": False,
             "verified": False, "active": True, "first_seen": now, "last_seen": now}
            for chat in chats
        ])
    service = ReminderService(database, EventService(database), lambda: now, 15)
    for chat in chats:
        await service.subscribe(chat, [CRISIS])
    await database.dispose()


async def table_state(url: str) -> tuple[set[int], Counter[str], Counter[str]]:
    """(chats whose row is in "sending", outbox statuses, reminder statuses)."""
    database = Database(url)
    async with database.session() as db:
        sending = set((await db.execute(select(OutboxMessage.chat_id).where(OutboxMessage.status == SENDING))).scalars())
        outbox = Counter(dict((await db.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all()))
        reminders = Counter(dict((await db.execute(select(Reminder.status, func.count()).group_by(Reminder.status))).all()))
    await database.dispose()
    return sending, outbox, reminders


def bot_env(url: str, emu: BotApiEmulator) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": "123456:KILL", "TELEGRAM_API_BASE_URL": emu.base_url,
        "DATABASE_URL": url, "EVENT_FILE": str(SAMPLE_EVENT), "ASSISTANT_NOW": at("13:15").isoformat(),
        "LOG_LEVEL": "INFO", "OUTBOX_LEASE_SECONDS": "4", "OUTBOX_MAX_IN_FLIGHT": str(IN_FLIGHT),
        # Nobody asks a question here: an NLU server address (never called) spares loading the model.
        "NLU_URL": "http://127.0.0.1:9",
    }


def delivered(emu: BotApiEmulator, chats: range) -> Counter[int]:
    wanted = set(chats)
    return Counter(
        c.chat_id for c in emu.state.calls  # type: ignore[misc]
        if c.method == "sendMessage" and c.status == 200 and c.chat_id in wanted
        and str(c.params.get("text", "")).startswith(REMINDER_START)
    )


async def test_reminders_killed_mid_window_reach_everyone_with_only_in_flight_doubles(
    emulator_at_real_limits: BotApiEmulator, tmp_path: Path
) -> None:
    emu = emulator_at_real_limits
    chats = range(FIRST_CHAT, FIRST_CHAT + DELEGATES)
    for chat in chats:
        emu.state.add_user(chat, f"D{chat}", language_code="en")
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    log = tmp_path / "bot.log"
    await subscribe_everyone(url, chats)

    first = start_bot(bot_env(url, emu), log)
    try:
        await wait_until(lambda: sum(delivered(emu, chats).values()) >= DELEGATES // 3, 240, "a third was reminded", first, log, interval=0.02)
    finally:
        first.send_signal(signal.SIGKILL)
        await exited(first)
    at_kill = delivered(emu, chats)
    in_flight, _, _ = await table_state(url)
    assert 0 < sum(at_kill.values()) < DELEGATES, "the kill must land in the middle of the window"

    second = start_bot(bot_env(url, emu), log)
    try:
        await wait_until(lambda: len(delivered(emu, chats)) == DELEGATES, 240, "everyone was reminded", second, log, interval=0.02)
    finally:
        # A clean stop finishes the calls in flight: once the process is gone, everything it sent has landed.
        stopped = await stop(second)

    per_chat = delivered(emu, chats)
    doubled = {chat for chat, n in per_chat.items() if n > 1}
    _, outbox, reminders = await table_state(url)
    print(f"\nkill -9 after {sum(at_kill.values())} of {DELEGATES} reminders; {len(in_flight)} rows held by the dead "
          f"process; {len(doubled)} sent twice (bound: {IN_FLIGHT} calls in flight + results not yet written)")
    assert all(per_chat[chat] >= 1 for chat in chats), "nobody is missed"
    assert doubled <= in_flight, f"doubles {sorted(doubled - in_flight)} were not held by the dead process"
    assert len(doubled) <= IN_FLIGHT + 2
    assert max(per_chat.values()) <= 2
    assert stopped == 0, f"SIGTERM is a clean stop (exit code {stopped}):\n{log.read_text()[-3000:]}"
    assert outbox == {SENT: DELEGATES} and reminders == {QUEUED: DELEGATES}
