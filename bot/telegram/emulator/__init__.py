"""The local Telegram Bot API emulator: tests, benchmarks and the no-token `make run` talk to it.

    from bot.telegram.emulator import BotApiEmulator, Limits, Faults

See server.py for the HTTP routes (Bot API and control API) and users.py for the test-facing people.
"""

from bot.telegram.emulator.faults import Faults
from bot.telegram.emulator.limits import Limits
from bot.telegram.emulator.markup import Button
from bot.telegram.emulator.server import BotApiEmulator
from bot.telegram.emulator.state import CallbackQueryRecord, CallRecord, SentFile, SentLocation, SentMessage, SentVenue
from bot.telegram.emulator.users import EmulatedGroup, EmulatedUser

__all__ = [
    "BotApiEmulator",
    "Button",
    "CallRecord",
    "CallbackQueryRecord",
    "EmulatedGroup",
    "EmulatedUser",
    "Faults",
    "Limits",
    "SentFile",
    "SentLocation",
    "SentMessage",
    "SentVenue",
]
