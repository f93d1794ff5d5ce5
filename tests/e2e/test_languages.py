"""Delegates write in the region's languages, through the real bot and model: Malay is understood;
a question in Thai or Japanese, which the model does not understand, is answered in that language
(which languages the assistant understands, with the menu) and reaches the helpdesk; short English
and Indonesian questions are never mistaken for another language."""

from __future__ import annotations

import contextlib

import pytest
from babel import Locale
from sqlalchemy import select

from bot.answers.service import menu_buttons
from bot.helpdesk.models import Ticket
from bot.i18n import Translator

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def _tickets(harness) -> list[Ticket]:
    async with harness.services.database.session() as db:
        return list((await db.execute(select(Ticket).order_by(Ticket.id))).scalars())


async def _all_replies(delegate, count: int = 1):
    """The reply, plus whatever else arrives just after it (a venue pin comes with its text)."""
    await delegate.wait_replies(count, timeout=20)
    with contextlib.suppress(TimeoutError):
        await delegate.wait_replies(1, timeout=0.7)
    return delegate.replies


@pytest.mark.parametrize(("language", "question"), [
    ("th", "รหัสผ่าน wifi ของงานประชุมคืออะไรครับ"),
    ("ja", "開会式は何時に始まりますか？"),
], ids=["th", "ja"])
async def test_a_question_the_model_cannot_read_is_answered_in_its_language_and_reaches_the_helpdesk(
    harness, language: str, question: str
) -> None:
    delegate = harness.user(5001 if language == "th" else 5002, "Somchai", language_code="en")
    await delegate.send(question)
    reply = await delegate.next_reply(timeout=20)
    names = Locale.parse(language).languages
    for understood in ("en", "id", "ms"):
        assert names[understood] in (reply.text or ""), reply.text
    labels = {b.text for row in reply.buttons for b in row}
    assert {b.text for row in menu_buttons(Translator(language)) for b in row} <= labels
    assert any((b.callback_data or "") == f"lang:{language}" for row in reply.buttons for b in row)
    [ticket] = await _tickets(harness)
    assert (ticket.text, ticket.language, ticket.reason) == (question, language, "unsupported_language")


async def test_the_menu_buttons_of_that_answer_work(harness) -> None:
    delegate = harness.user(5003, "Yuki", language_code="en")
    await delegate.send("会場はどこですか？")
    reply = await delegate.next_reply(timeout=20)
    await delegate.press(reply, callback_data="now:")
    assert "Session 1" in ((await delegate.next_reply(timeout=20)).text or "")


async def test_a_malay_question_is_answered_with_the_facts(harness) -> None:
    delegate = harness.user(5004, "Aminah", language_code="ms")
    await delegate.send("bila ucaptama menteri?")
    text = "\n".join(r.text or "" for r in await _all_replies(delegate))
    assert "Majlis perasmian" in text and "8:30" in text, text
    assert not await _tickets(harness)


@pytest.mark.parametrize(("language_code", "question", "fact"), [
    ("en", "wifi?", "RCDD2019"),
    ("id", "wifi apa?", "RCDD2019"),
    ("ms", "kata laluan wifi?", "RCDD2019"),
    ("en", "where is lunch?", "Orchid"),
    ("id", "dmn makan siang?", "Orchid"),
])
async def test_a_short_english_indonesian_or_malay_question_is_not_taken_for_another_language(
    harness, language_code: str, question: str, fact: str
) -> None:
    delegate = harness.user(5100 + len(question), "Budi", language_code=language_code)
    await delegate.send(question)
    text = "\n".join(r.text or "" for r in await _all_replies(delegate))
    assert fact in text, text
    assert not await _tickets(harness)
