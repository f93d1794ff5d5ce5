"""Bad input gets a clear, polite answer; nothing crashes, nothing is lost."""

from __future__ import annotations

import pytest

from bot.telegram.emulator.faults import Faults

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.mark.parametrize("send", ["sticker", "photo", "voice", "location"])
async def test_non_text_messages_get_a_polite_note(harness, send: str) -> None:
    delegate = harness.user(4001, "Ana")
    if send == "location":
        await delegate.send_location(-6.2, 106.8)
    else:
        await getattr(delegate, f"send_{send}")()
    reply = await delegate.next_reply(timeout=20)
    assert reply.text and ("text" in reply.text or "location" in reply.text)


async def test_an_edited_message_is_acknowledged(harness) -> None:
    delegate = harness.user(4002, "Ana")
    message = await delegate.send("hello")
    await delegate.wait_replies(1, timeout=20)
    await delegate.edit(message, "where is the venue?")
    reply = await delegate.next_reply(timeout=20)
    assert "edited" in (reply.text or "")


@pytest.mark.parametrize("text", ["   \n\t ", "?", "😀😀😀", "x" * 10_000, "<b>bold</b> & <script>alert(1)</script>", "\x00\x07 venue \u202e"])
async def test_odd_texts_are_answered_without_a_crash(harness, text: str) -> None:
    delegate = harness.user(4003, "Ana")
    await delegate.send(text)
    reply = await delegate.next_reply(timeout=20)
    while reply.method != "sendMessage":  # a venue pin comes before its text
        reply = await delegate.next_reply(timeout=20)
    assert reply.text
    assert "<script>" not in (reply.html or "")


@pytest.mark.parametrize("content", [{"text": ""}, {}, {"text": "", "entities": [{"type": "bold", "offset": 0, "length": 5}]}])
async def test_an_empty_or_contentless_message_gets_a_polite_note(harness, content: dict) -> None:
    delegate = harness.user(4011, "Ana")
    await delegate.send_raw(content)
    reply = await delegate.next_reply(timeout=20)
    assert reply.text and "text" in reply.text


async def test_forged_callback_data_gets_a_polite_note(harness) -> None:
    delegate = harness.user(4004, "Ana")
    await delegate.command("/agenda")
    overview = await delegate.next_reply(timeout=20)
    for forged in ("s:no-such-session", "day:day-99", "zz:whatever", "lang:xx", "sp:#deadbeefdeadbeef", ""):
        query = await delegate.press_raw(overview, forged)
        answered = await delegate.answer_to(query, timeout=20)
        assert answered is not None
    await delegate.expect_silence(within=0.5)


async def test_unknown_command(harness) -> None:
    delegate = harness.user(4005, "Ana")
    await delegate.command("/teleport")
    assert "/help" in ((await delegate.next_reply(timeout=20)).text or "")


async def test_a_flood_of_twenty_messages_gets_one_note(harness) -> None:
    delegate = harness.user(4006, "Ana")
    for i in range(20):
        await delegate.send(f"hello {i}")
    while True:  # the replies drain at Telegram's 1/s per chat: collect them until the bot falls quiet
        try:
            await delegate.next_reply(timeout=4)
        except TimeoutError:
            break
    texts = [r.text or "" for r in delegate.replies]
    assert sum("faster than I can read" in t for t in texts) == 1
    assert 2 <= len(texts) <= 10


async def test_replies_survive_telegram_errors(harness) -> None:
    harness.emu.faults = Faults(rate=0.5, kinds=("429", "500", "502"), seed=7)
    delegate = harness.user(4007, "Ana")
    await delegate.send("what's the wifi password?")
    reply = await delegate.next_reply(timeout=60)
    assert "RCDD2019" in (reply.text or "")


async def test_commands_menu_is_registered_for_each_language(harness) -> None:
    english = harness.emu.commands_for(harness.user(4008, "Ana", language_code="en"))
    indonesian = harness.emu.commands_for(harness.user(4009, "Sari", language_code="id"))
    assert {c["command"] for c in english} >= {"agenda", "now", "venue", "speakers", "language", "help", "forget"}
    assert english != indonesian  # each UI language has its own descriptions


async def test_when_the_nlu_is_down_commands_work_and_questions_reach_the_helpdesk(emulator, tmp_path) -> None:
    from sqlalchemy import select

    from bot.clock import ManualClock
    from bot.helpdesk.models import Ticket
    from nlu.interpreter import RasaHttpInterpreter
    from nlu.server import free_port
    from tests.conftest import DAY1_MORNING
    from tests.e2e.conftest import Harness, harness_settings

    down = RasaHttpInterpreter(f"http://127.0.0.1:{free_port()}", timeout=0.3, retries=0)
    h = Harness(emulator, harness_settings(f"sqlite:///{tmp_path / 'bot.db'}", emulator), ManualClock(DAY1_MORNING), down)
    await h.start()
    try:
        delegate = h.user(4010, "Ana")
        await delegate.command("/now")
        assert "Session 1" in ((await delegate.next_reply(timeout=20)).text or "")
        await delegate.send("where is the venue?")
        reply = await delegate.next_reply(timeout=20)
        assert "can't understand questions right now" in (reply.text or "")
        async with h.services.database.session() as db:
            tickets = (await db.execute(select(Ticket))).scalars().all()
        assert [(t.text, t.reason) for t in tickets] == [("where is the venue?", "nlu_unavailable")]
    finally:
        await h.stop()
        await down.close()
