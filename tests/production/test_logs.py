"""The logs an operator collects at INFO carry no message texts, names, usernames or Telegram ids:
a delegate's whole day (questions, a code, buttons, a helpdesk answer) leaves only pseudonyms."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import JsonFormatter, who
from tests.e2e.conftest import emulator  # noqa: F401
from tests.helpdesk.e2e.conftest import WAIT, HelpdeskHarness, desk_harness  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

USER_ID, AGENT_ID = 987_654_321, 876_543_219
MARKERS = ["Zebulon", "Quixotic", "zq_private_handle", "X9931557", str(USER_ID), str(AGENT_ID), "Wirawan", "parcel-7731", "ZZQ4-ZZQ4-ZZQ4"]


async def test_info_logs_hold_no_texts_names_or_ids(desk_harness: HelpdeskHarness, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    caplog.set_level(logging.INFO)
    delegate = desk_harness.user(USER_ID, "Zebulon", language_code="en", last_name="Quixotic", username="zq_private_handle")
    agent = await desk_harness.agent(AGENT_ID, "Wirawan", language_code="id")

    await delegate.command("/start ZZQ4-ZZQ4-ZZQ4")
    await delegate.wait_replies(4, timeout=WAIT)
    await delegate.send("my passport X9931557 is lost, what's the weather in Paris?")
    await delegate.next_reply(timeout=WAIT)
    post = await desk_harness.group.next_message(timeout=WAIT)
    await agent.send("Your parcel-7731 is at the desk", chat=desk_harness.group, reply_to=post)
    await delegate.next_reply(timeout=WAIT)
    await delegate.send_sticker()
    await delegate.next_reply(timeout=WAIT)
    await delegate.command("/verify ZZQ4-ZZQ4-ZZQ4")
    reply = await delegate.next_reply(timeout=WAIT)
    await delegate.answer_to(await delegate.press_raw(reply, "s:no-such-session"), timeout=WAIT)

    # the emulator stands in for Telegram: its logs are not the bot's
    records = [r for r in caplog.records if r.levelno >= logging.INFO and not r.name.startswith("bot.telegram.emulator")]
    assert any(who(USER_ID) in r.getMessage() for r in records), "the delegate's trail is still followable"
    leaks = [(r.name, r.getMessage()) for r in records if any(m in _full(r) for m in MARKERS)]
    assert leaks == []


def _full(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info:
        text += logging.Formatter().formatException(record.exc_info)
    return text


def test_json_logs_are_one_object_per_line_with_extras() -> None:
    record = logging.makeLogRecord({"name": "bot.outbox", "levelno": logging.WARNING, "levelname": "WARNING",
                                    "msg": "row %s failed", "args": (7,), "reason": "429"})

    entry = json.loads(JsonFormatter().format(record))

    assert entry["level"] == "WARNING" and entry["logger"] == "bot.outbox"
    assert entry["message"] == "row 7 failed" and entry["reason"] == "429"
    assert entry["time"].endswith("+00:00")


def test_pseudonyms_are_stable_and_do_not_show_the_id() -> None:
    assert who(USER_ID) == who(USER_ID) != who(USER_ID + 1)
    assert str(USER_ID) not in who(USER_ID) and who(None) == "-"
