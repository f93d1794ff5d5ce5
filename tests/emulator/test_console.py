"""The terminal chat: a person types, the bot's replies are printed, numbers press buttons."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.ext import Application

from bot.telegram.console import language_from_env, render, run_console
from bot.telegram.emulator import BotApiEmulator, Limits


async def chat(emu: BotApiEmulator, typed: str, tmp_path: Path, reply_timeout: float = 3.0) -> str:
    """Run the console on `typed` lines; each line waits for the bot's answer up to `reply_timeout`."""
    stdout = io.StringIO()
    await asyncio.wait_for(
        run_console(
            emu,
            user_id=5,
            name="Tester",
            language_code="en",
            stdin=io.StringIO(typed),
            stdout=stdout,
            save_dir=tmp_path,
            reply_timeout=reply_timeout,
        ),
        timeout=30,
    )
    return stdout.getvalue()


async def test_a_typed_conversation_with_buttons(emu: BotApiEmulator, echo_app: Application, tmp_path: Path) -> None:
    output = await chat(emu, "hello\n\n   \n/days\n2\n/7\n:help\n:nonsense\n:quit\nnever sent\n", tmp_path)

    assert "🤖 hello\n" in output
    assert "🤖 Which day?\n   [1] Day 1  [2] Day 2\n" in output
    assert "💬 Day 2 chosen" in output
    assert "🤖 (edited) Day 2 agenda" in output  # HTML shown as plain text
    assert "there is no choice 7" in output
    assert ":location LAT LON" in output and "unknown command :nonsense" in output
    assert "never sent" not in output
    assert [call.params.get("text") for call in emu.calls_to("sendMessage")] == ["hello", "Which day?"]


async def test_end_of_input_leaves_and_other_kinds_are_sent(emu: BotApiEmulator, bot: Bot, tmp_path: Path) -> None:
    output = await chat(
        emu, ":sticker\n:location -6.2, 106.8\n:location nowhere\n:photo badge\n:voice\n", tmp_path, reply_timeout=0.1
    )
    updates = await bot.get_updates()

    assert output.startswith("Chatting with @delegate_assistant_bot as Tester (language en)")
    assert "usage: :location" in output
    assert [
        next(key for key in ("sticker", "location", "photo", "voice") if getattr(u.message, key)) for u in updates
    ] == ["sticker", "location", "photo", "voice"]
    assert updates[1].message.location.latitude == -6.2


async def test_venues_documents_links_and_reply_keyboards_are_rendered(emu: BotApiEmulator, bot: Bot) -> None:
    emu.limits = Limits.lifted()
    tester = emu.user(5, "Tester")
    await bot.send_venue(5, latitude=-6.2183, longitude=106.8026, title="JCC", address="Jl. Gatot Subroto")
    await bot.send_document(5, InputFile(b"%PDF", filename="programme.pdf"), caption="The programme")
    await bot.send_message(
        5, "Links", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Site", url="https://example.org")]])
    )
    await bot.send_message(
        5, "Language?", reply_markup={"keyboard": [["English", "Bahasa"]], "one_time_keyboard": True}
    )
    venue, document, links, keyboard = await tester.wait_replies(4, timeout=1)

    assert render(venue) == "🤖 📍 JCC, Jl. Gatot Subroto (-6.2183, 106.803)"
    assert render(document) == "🤖 📎 programme.pdf (4 bytes)\n   The programme"
    assert render(links) == "🤖 Links\n   [1] Site ↗ https://example.org"
    assert render(keyboard) == "🤖 Language?\n   [1] English  [2] Bahasa"


async def test_a_reply_keyboard_choice_is_sent_as_text_and_documents_are_saved(
    emu: BotApiEmulator, bot: Bot, tmp_path: Path
) -> None:
    emu.user(5, "Tester")
    await bot.send_document(5, InputFile(b"%PDF", filename="programme.pdf"))
    await bot.send_message(5, "Language?", reply_markup={"keyboard": [["English", "Bahasa"]]})

    output = await chat(emu, "2\n", tmp_path, reply_timeout=0.1)
    (update,) = await bot.get_updates()

    assert update.message.text == "Bahasa"
    assert "saved to" in output
    assert (tmp_path / "5-1-programme.pdf").read_bytes() == b"%PDF"


def test_the_language_comes_from_the_locale() -> None:
    assert language_from_env({"LANG": "id_ID.UTF-8"}) == "id"
    assert language_from_env({"LC_ALL": "fr_FR.UTF-8", "LANG": "id_ID.UTF-8"}) == "fr"
    assert language_from_env({"LANG": "C.UTF-8"}) == "en"
    assert language_from_env({}) == "en"
