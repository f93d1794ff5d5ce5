"""A question in a language the model does not understand is answered in that language (which
languages the assistant understands, the menu, an offer to switch) and goes to the helpdesk with
that language; the delegate's own language is never changed behind their back.

The interpreter is a Rasa server that is down: such a question must not need the model at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.answers.reply import Button
from bot.answers.service import AnswerService, menu_buttons
from bot.clock import ManualClock
from bot.conversation.service import UNSUPPORTED_LANGUAGE, ConversationService
from bot.db import Database
from bot.delegates.service import DelegateService, DelegateView
from bot.event.service import EventService
from bot.helpdesk.models import Ticket
from bot.helpdesk.service import HelpdeskService
from bot.i18n import UI_LANGUAGES, Translator
from nlu.interpreter import RasaHttpInterpreter


@dataclass
class Chat:
    database: Database
    delegates: DelegateService
    conversation: ConversationService

    async def delegate(self, language_code: str = "en", user_id: int = 1001) -> DelegateView:
        return await self.delegates.seen(user_id, user_id, self.conversation.now(), first_name="Ana", language_code=language_code)

    async def tickets(self) -> list[Ticket]:
        async with self.database.session() as db:
            return list((await db.execute(select(Ticket).order_by(Ticket.id))).scalars())


@pytest.fixture
async def chat(loaded_database: Database, clock: ManualClock) -> AsyncIterator[Chat]:
    down = RasaHttpInterpreter("http://127.0.0.1:9", timeout=0.5, retries=0)
    events = EventService(loaded_database)
    delegates = DelegateService(loaded_database, UI_LANGUAGES, "en")
    conversation = ConversationService(loaded_database, down, AnswerService(events, clock.now), clock.now)
    conversation.handoff = HelpdeskService(loaded_database, events, delegates, down, clock.now, None, ())
    yield Chat(loaded_database, delegates, conversation)
    await down.close()


def _buttons(buttons: tuple[tuple[Button, ...], ...]) -> list[Button]:
    return [button for row in buttons for button in row]


async def test_a_thai_question_is_answered_in_thai_with_the_menu_and_goes_to_the_helpdesk(chat: Chat) -> None:
    delegate = await chat.delegate("en")
    handled = await chat.conversation.handle(delegate, "รหัสผ่าน wifi คืออะไรครับ")
    reply = handled.answer.messages[0]
    assert "อังกฤษ" in reply.text and "มาเลย์" in reply.text  # English ... Malay, in Thai
    assert set(_buttons(menu_buttons(Translator("th")))) <= set(_buttons(reply.buttons))
    [ticket] = await chat.tickets()
    assert (ticket.id, ticket.language, ticket.reason) == (handled.ticket_id, "th", UNSUPPORTED_LANGUAGE)
    assert ticket.text == "รหัสผ่าน wifi คืออะไรครับ" and ticket.user_id == delegate.user_id


async def test_the_delegate_is_offered_the_language_of_the_question_never_switched_silently(chat: Chat) -> None:
    delegate = await chat.delegate("en")
    reply = (await chat.conversation.handle(delegate, "会場はどこですか？")).answer.messages[0]
    offer = [b for b in _buttons(reply.buttons) if b.data == "lang:ja"]
    assert len(offer) == 1 and "日本語" in offer[0].text
    assert (await chat.delegates.get(delegate.user_id)).language == "en"


async def test_a_delegate_who_already_uses_that_language_gets_no_offer(chat: Chat) -> None:
    delegate = await chat.delegate("ko")
    reply = (await chat.conversation.handle(delegate, "와이파이 비밀번호가 뭐예요?")).answer.messages[0]
    assert "영어" in reply.text  # English, in Korean
    assert not [b for b in _buttons(reply.buttons) if (b.data or "").startswith("lang:")]


async def test_english_and_malay_questions_still_go_to_the_model(chat: Chat) -> None:
    delegate = await chat.delegate("en")
    for question in ("wifi?", "bila ucaptama menteri?"):
        await chat.conversation.handle(delegate, question)
    assert [(t.reason, t.language) for t in await chat.tickets()] == [("nlu_unavailable", "en")] * 2
