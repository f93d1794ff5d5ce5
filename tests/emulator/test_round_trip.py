"""A real python-telegram-bot Application talks to the emulator as it would to Telegram."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.ext import Application

from bot.telegram.emulator import BotApiEmulator
from tests.emulator.conftest import seconds


async def test_echo_round_trip_through_a_real_application(emu: BotApiEmulator, echo_app: Application) -> None:
    ana = emu.user(1001, "Ana", language_code="id", username="ana")

    await ana.send("di mana venuenya?")
    reply = await ana.next_reply(timeout=5)

    assert reply.text == "di mana venuenya?"
    assert reply.chat_id == ana.id
    assert reply.method == "sendMessage"
    assert [call.method for call in emu.calls][:1] == ["getMe"]


async def test_replies_arrive_in_order_for_each_person(emu: BotApiEmulator, echo_app: Application) -> None:
    ana, ben = emu.user(1001, "Ana"), emu.user(1002, "Ben")

    for text in ("one", "two", "three"):
        await ana.send(text)
    await ben.send("hello")

    assert [reply.text for reply in await ana.wait_replies(3, timeout=5)] == ["one", "two", "three"]
    assert (await ben.next_reply(timeout=5)).text == "hello"
    assert [reply.text for reply in ana.replies] == ["one", "two", "three"]


async def test_pressing_a_button_reaches_the_callback_handler_and_the_edit_comes_back(
    emu: BotApiEmulator, echo_app: Application
) -> None:
    ana = emu.user(1001, "Ana")
    await ana.command("/days")
    question = await ana.next_reply(timeout=5)
    assert question.button_texts == [["Day 1", "Day 2"]]

    query = await ana.press(question, "Day 2")
    edited = await ana.next_reply(timeout=5)
    answered = await ana.answer_to(query, timeout=5)

    assert answered.answer_text == "Day 2 chosen"
    assert edited.edited and edited.message_id == question.message_id
    assert edited.text == "Day 2 agenda"
    assert edited.html == "<b>Day 2</b> agenda"
    assert edited.buttons == ()
    assert [version.text for version in edited.history] == ["Which day?"]


async def test_a_button_removed_by_an_edit_cannot_be_pressed(emu: BotApiEmulator, echo_app: Application) -> None:
    ana = emu.user(1001, "Ana")
    await ana.command("/days")
    question = await ana.next_reply(timeout=5)
    await ana.press(question, "Day 1")
    await ana.next_reply(timeout=5)

    with pytest.raises(LookupError, match="Day 2"):
        await ana.press(question, "Day 2")


async def test_a_forged_callback_reaches_the_bot_unchanged(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    await bot.send_message(ana.id, "Pick", reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    message = await ana.next_reply(timeout=1)

    await ana.press_raw(message, callback_data="forged:../../etc")
    (update,) = await bot.get_updates()

    assert update.callback_query is not None
    assert update.callback_query.data == "forged:../../etc"
    assert update.callback_query.message.message_id == message.message_id


async def test_what_people_send_parses_as_ptb_objects(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana", language_code="id")
    group = emu.group(-100123, "Helpdesk")
    await bot.send_message(group.id, "Welcome to the helpdesk")
    welcome = await group.next_message(timeout=1)

    first = await ana.send("hi")
    await ana.send_sticker("🎉")
    await ana.send_photo(caption="my badge")
    await ana.send_voice(duration=4)
    await ana.send_location(-6.2, 106.8)
    await ana.edit(first, "hi again")
    await ana.command("/agenda day 2")
    await ana.send("where is room B?", chat=group, reply_to=welcome)
    await ana.command(f"/help@{bot.username}", chat=group)
    updates = await bot.get_updates()

    text, sticker, photo, voice, location, edited, command, in_group, group_command = updates
    assert text.message.text == "hi" and text.message.from_user.language_code == "id"
    assert sticker.message.sticker.emoji == "🎉"
    assert photo.message.photo[-1].width == 1 and photo.message.caption == "my badge"
    assert seconds(voice.message.voice.duration) == 4
    assert (location.message.location.latitude, location.message.location.longitude) == (-6.2, 106.8)
    assert edited.edited_message.text == "hi again" and edited.edited_message.message_id == first["message_id"]
    assert command.message.text == "/agenda day 2"
    assert command.message.entities[0].type == "bot_command" and command.message.entities[0].length == len("/agenda")
    assert in_group.message.chat.type == "supergroup" and in_group.message.chat.title == "Helpdesk"
    assert in_group.message.reply_to_message.message_id == welcome.message_id
    assert group_command.message.entities[0].length == len(f"/help@{bot.username}")


async def test_the_bot_downloads_what_a_person_sent(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    await ana.send_document("programme.pdf", b"%PDF-1.4 programme", mime_type="application/pdf")
    (update,) = await bot.get_updates()

    file = await update.message.document.get_file()

    assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 programme"
    assert update.message.document.file_name == "programme.pdf"


async def test_next_reply_names_the_chat_and_what_came_when_nothing_arrives(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    await bot.send_message(ana.id, "only one")
    await ana.next_reply(timeout=1)

    with pytest.raises(TimeoutError, match=r"Ana \(user 1001\).*chat 1001.*only one"):
        await ana.next_reply(timeout=0.1)


async def test_the_emulator_stops_promptly_while_the_bot_long_polls(
    emu: BotApiEmulator, bot: Bot, echo_app: Application
) -> None:
    # echo_app is long-polling right now; stopping the emulator (after the app) must not hang.
    assert echo_app.updater is not None and echo_app.updater.running
