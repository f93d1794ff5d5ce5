"""What the bot sends arrives as Telegram would deliver it, and PTB accepts every answer."""

from __future__ import annotations

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InputFile,
    KeyboardButton,
    LinkPreviewOptions,
    MenuButtonCommands,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.error import BadRequest

from bot.telegram.emulator import BotApiEmulator
from bot.telegram.emulator.users import SAMPLE_PNG


async def test_venue_round_trip(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")

    message = await bot.send_venue(
        ana.id, latitude=-6.2183, longitude=106.8026, title="Jakarta Convention Center", address="Jl. Gatot Subroto"
    )
    reply = await ana.next_reply(timeout=1)

    assert message.venue.title == "Jakarta Convention Center"
    assert message.venue.location.latitude == pytest.approx(-6.2183)
    assert reply.venue is not None and reply.venue.address == "Jl. Gatot Subroto"
    assert (reply.location.latitude, reply.location.longitude) == (-6.2183, 106.8026)


async def test_location_round_trip(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    message = await bot.send_location(ana.id, latitude=1.5, longitude=2.5)
    reply = await ana.next_reply(timeout=1)
    assert message.location.longitude == 2.5
    assert reply.location is not None and reply.location.latitude == 1.5 and reply.venue is None


async def test_document_keeps_filename_mime_type_and_bytes(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    content = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"

    message = await bot.send_document(
        ana.id, InputFile(content, filename="agenda.ics"), caption="<b>Your</b> agenda", parse_mode="HTML"
    )
    reply = await ana.next_reply(timeout=1)

    assert message.document.file_name == "agenda.ics"
    assert message.document.file_size == len(content)
    assert message.caption == "Your agenda"
    assert reply.document is not None
    assert (reply.document.filename, reply.document.mime_type, reply.document.data) == (
        "agenda.ics",
        "text/calendar",
        content,
    )
    assert reply.text == "Your agenda" and reply.html == "<b>Your</b> agenda"
    downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == content


async def test_photo_round_trip_and_resend_by_file_id(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")

    message = await bot.send_photo(ana.id, SAMPLE_PNG, caption="Floor plan")
    again = await bot.send_photo(ana.id, message.photo[-1].file_id)
    first, second = await ana.wait_replies(2, timeout=1)

    assert (message.photo[-1].width, message.photo[-1].height) == (1, 1)
    assert first.photo is not None and first.photo.data == SAMPLE_PNG and first.text == "Floor plan"
    assert second.photo is not None and second.photo.file_id == first.photo.file_id
    assert again.photo[-1].file_id == message.photo[-1].file_id


async def test_reply_keyboard_and_its_removal(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")

    shown = await bot.send_message(
        ana.id,
        "Language?",
        reply_markup=ReplyKeyboardMarkup([[KeyboardButton("English"), "Bahasa Indonesia"]], resize_keyboard=True),
    )
    await bot.send_message(ana.id, "Thanks", reply_markup=ReplyKeyboardRemove())
    with_keyboard, removed = await ana.wait_replies(2, timeout=1)

    assert shown.reply_markup is None  # Telegram echoes only inline keyboards
    assert with_keyboard.keyboard == (("English", "Bahasa Indonesia"),)
    assert removed.remove_keyboard


async def test_reply_to_a_message_and_link_preview_options(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    question = await ana.send("when is lunch?")

    answer = await bot.send_message(
        ana.id,
        "12:30",
        reply_parameters=ReplyParameters(question["message_id"]),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    legacy = await bot.send_message(
        ana.id, "again", reply_to_message_id=question["message_id"], disable_notification=True
    )
    first, second = await ana.wait_replies(2, timeout=1)

    assert answer.reply_to_message.text == "when is lunch?"
    assert legacy.reply_to_message.message_id == question["message_id"]
    assert first.reply_to_message_id == question["message_id"] and first.link_preview_disabled
    assert second.disable_notification
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(ana.id, "x", reply_to_message_id=999)


async def test_editing_and_deleting(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    keyboard = {"inline_keyboard": [[{"text": "More", "callback_data": "more"}]]}
    sent = await bot.send_message(ana.id, "Session 1", reply_markup=keyboard)
    await ana.next_reply(timeout=1)

    edited = await bot.edit_message_text(
        "Session 1 (moved)", chat_id=ana.id, message_id=sent.message_id, reply_markup=keyboard
    )
    await bot.edit_message_reply_markup(chat_id=ana.id, message_id=sent.message_id, reply_markup=None)
    text_edit, markup_edit = await ana.wait_replies(2, timeout=1)

    assert edited.edit_date is not None and edited.text == "Session 1 (moved)"
    assert text_edit.edited and text_edit.buttons[0][0].text == "More"
    assert markup_edit.edited and markup_edit.buttons == () and markup_edit.text == "Session 1 (moved)"
    assert len(markup_edit.history) == 2
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("Session 1 (moved)", chat_id=ana.id, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=ana.id, message_id=999)

    assert await bot.delete_message(ana.id, sent.message_id)
    assert emu.sent_messages(ana.id) == []
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(ana.id, sent.message_id)


async def test_commands_are_stored_per_scope_and_language(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana", language_code="id")
    ben = emu.user(1002, "Ben", language_code="en")
    english = [BotCommand("agenda", "The agenda"), BotCommand("venue", "Where it happens")]
    indonesian = [BotCommand("agenda", "Agenda acara"), BotCommand("venue", "Lokasi acara")]

    await bot.set_my_commands(english)
    await bot.set_my_commands(indonesian, language_code="id")
    await bot.set_my_commands([BotCommand("admin", "Organiser tools")], scope=BotCommandScopeChat(ben.id))

    assert [c.description for c in await bot.get_my_commands(language_code="id")] == ["Agenda acara", "Lokasi acara"]
    assert [c.command for c in await bot.get_my_commands()] == ["agenda", "venue"]
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    assert emu.commands(language_code="id")[0]["description"] == "Agenda acara"
    assert emu.commands_for(ana)[0]["description"] == "Agenda acara"
    assert emu.commands_for(ben) == [{"command": "admin", "description": "Organiser tools"}]

    await bot.delete_my_commands(language_code="id")
    assert emu.commands_for(ana)[0]["description"] == "The agenda"
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Agenda!", "bad")])


async def test_small_methods_answer_like_telegram(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana", username="ana")

    assert await bot.send_chat_action(ana.id, "typing")
    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert (await bot.get_chat_menu_button()).type == "commands"
    chat = await bot.get_chat(ana.id)
    assert chat.first_name == "Ana" and chat.username == "ana"
    assert (await bot.get_chat("@ana")).id == ana.id
    assert await bot.set_my_description("The conference assistant", language_code="en")
    assert (await bot.get_my_description("en")).description == "The conference assistant"
    assert await bot.close() and await bot.log_out()
    info = await bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 0


async def test_raw_http_parameters_json_query_form_and_case_insensitive_methods(emu: BotApiEmulator) -> None:
    ana = emu.user(1001, "Ana")
    url = f"{emu.base_url}42:ABC"
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{url}/SENDMESSAGE",
            json={
                "chat_id": ana.id,
                "text": "json",
                "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "x"}]]},
            },
        ) as response:
            assert response.status == 200
            body = await response.json()
        async with http.get(f"{url}/sendMessage", params={"chat_id": str(ana.id), "text": "123"}) as response:
            assert (await response.json())["result"]["text"] == "123"
        async with http.post(f"{url}/sendmessage", data={"chat_id": str(ana.id), "text": "form"}) as response:
            assert response.status == 200
        async with http.get(f"{url}/getMe") as response:
            assert (await response.json())["result"]["id"] == 42
        async with http.post(f"{url}/fooBar") as response:
            assert response.status == 404
            assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.post(f"{emu.base_url}not-a-token/getMe") as response:
            assert response.status == 401

    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "x"
    assert [reply.text for reply in await ana.wait_replies(3, timeout=1)] == ["json", "123", "form"]
    assert emu.calls_to("sendMessage")[1].params["text"] == "123"


async def test_a_silence_check_awaits_its_proof_first_and_excuses_nothing_sent_meanwhile(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    ran: list[str] = []

    async def loop_went_round() -> None:
        ran.append("round")

    await ana.expect_silence(within=0.1, after=loop_went_round())
    assert ran == ["round"]

    async def round_that_sends() -> None:
        await bot.send_message(ana.id, "sent while the proof was awaited")

    with pytest.raises(AssertionError, match="expected no reply"):
        await ana.expect_silence(within=0.1, after=round_that_sends())
