"""The emulator refuses what Telegram refuses, with Telegram's status codes and descriptions."""

from __future__ import annotations

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden

from bot.telegram.emulator import BotApiEmulator
from tests.emulator.conftest import FakeMonotonic


@pytest.mark.parametrize(
    "text",
    [
        "a" * 4096,
        "<b>" + "a" * 4096 + "</b>",  # tags are not counted
        "&amp;" * 4096,  # an entity is one character
        "😀" * 4096,  # characters, not bytes
    ],
)
async def test_4096_visible_characters_pass(emu: BotApiEmulator, bot: Bot, text: str) -> None:
    ana = emu.user(1001, "Ana")
    message = await bot.send_message(ana.id, text, parse_mode="HTML")
    assert len(message.text) == 4096


@pytest.mark.parametrize("text", ["a" * 4097, "<i>" + "&lt;" * 4097 + "</i>"])
async def test_4097_visible_characters_fail(emu: BotApiEmulator, bot: Bot, text: str) -> None:
    ana = emu.user(1001, "Ana")
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(ana.id, text, parse_mode="HTML")
    assert ana.replies == []
    assert emu.calls[-1].status == 400


@pytest.mark.parametrize("text", ["", "   \n "])
async def test_empty_text_is_refused(emu: BotApiEmulator, bot: Bot, text: str) -> None:
    ana = emu.user(1001, "Ana")
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(ana.id, text)


async def test_caption_is_limited_to_1024(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    await bot.send_document(ana.id, b"x", filename="a.txt", caption="c" * 1024)
    with pytest.raises(BadRequest, match="(?i)caption is too long"):
        await bot.send_document(ana.id, b"x", filename="a.txt", caption="c" * 1025)


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ("1 < 2", "'<'"),
        ("Q&A", "'&'"),
        ("<b>bold", 'start tag "b"'),
        ("<b>bold</i>", "Unmatched end tag"),
        ("text</b>", "Unexpected end tag"),
        ("<marquee>hi</marquee>", 'Unsupported start tag "marquee"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("<br>", 'Unsupported start tag "br"'),
    ],
)
async def test_html_that_telegram_cannot_parse(emu: BotApiEmulator, bot: Bot, html: str, detail: str) -> None:
    ana = emu.user(1001, "Ana")
    with pytest.raises(BadRequest, match="(?i)can't parse entities") as error:
        await bot.send_message(ana.id, html, parse_mode="HTML")
    assert detail.lower() in str(error.value).lower()  # PTB capitalizes the description


async def test_supported_html_is_stored_as_visible_text_with_entities(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    html = (
        "<b>Day 1</b> &amp; <strong>2</strong>: <i>x</i><em>x</em><u>x</u><ins>x</ins><s>x</s><strike>x</strike><del>x</del>"
        '<a href="https://example.org/?a=1&amp;b=2">site</a> <code>c</code> <pre><code class="language-python">p</code></pre>'
        '<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">s</span><blockquote>q</blockquote> &lt;&gt;&quot;&#65;&#x42;'
    )

    message = await bot.send_message(ana.id, html, parse_mode="HTML")
    reply = await ana.next_reply(timeout=1)

    assert reply.text == 'Day 1 & 2: xxxxxxxsite c pssq <>"AB'
    assert reply.raw == html and reply.parse_mode == "HTML"
    types = [entity.type for entity in message.entities]
    assert types.count("bold") == 2 and types.count("strikethrough") == 3
    assert "pre" in types and "spoiler" in types and "blockquote" in types
    link = next(entity for entity in message.entities if entity.type == "text_link")
    assert link.url == "https://example.org/?a=1&b=2"
    pre = next(entity for entity in message.entities if entity.type == "pre")
    assert pre.language == "python"


async def test_markdown_v2_reserved_characters_must_be_escaped(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    with pytest.raises(BadRequest, match="(?i)can't parse entities: Character '.' is reserved"):
        await bot.send_message(ana.id, "Starts at 9.30", parse_mode="MarkdownV2")
    message = await bot.send_message(ana.id, r"*Starts* at 9\.30", parse_mode="MarkdownV2")
    assert message.text == "Starts at 9.30" and message.entities[0].type == "bold"


async def test_callback_data_is_limited_to_64_bytes(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")

    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data=data)]])

    await bot.send_message(ana.id, "ok", reply_markup=keyboard("x" * 64))
    await bot.send_message(ana.id, "ok", reply_markup=keyboard("é" * 32))  # 64 bytes in UTF-8
    for data in ("x" * 65, "é" * 33):
        with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(ana.id, "too long", reply_markup=keyboard(data))


async def test_malformed_keyboards_are_refused(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    many = {"inline_keyboard": [[{"text": str(i), "callback_data": str(i)} for i in range(101)]]}
    cases = [
        (many, "reply markup is too long"),
        ({"inline_keyboard": [{"text": "not a row"}]}, "can't parse"),
        ({"inline_keyboard": [[{"text": "no action"}]]}, "Text buttons are unallowed"),
        ({"inline_keyboard": [[{"text": "", "callback_data": "x"}]]}, "BUTTON_TEXT_EMPTY"),
        ({"inline_keyboard": [[{"text": "x", "url": "javascript:alert(1)"}]]}, "BUTTON_URL_INVALID"),
        ({"unknown": True}, "can't parse reply keyboard markup"),
    ]
    for markup, description in cases:
        with pytest.raises(BadRequest, match=f"(?i){description}"):
            await bot.send_message(ana.id, "x", reply_markup=markup)


async def test_unknown_chat(emu: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(424242, "hello?")


async def test_a_blocked_user_gives_forbidden_and_the_bot_hears_about_it(emu: BotApiEmulator, bot: Bot) -> None:
    ana = emu.user(1001, "Ana")
    await bot.send_message(ana.id, "Welcome")

    ana.block()
    (update,) = await bot.get_updates()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ana.id, "Reminder: session 2 starts soon")
    ana.unblock()
    await bot.send_message(ana.id, "Back again")

    assert update.my_chat_member.new_chat_member.status == "kicked"
    assert [reply.text for reply in ana.replies] == ["Welcome", "Back again"]
    assert [call.status for call in emu.calls_to("sendMessage")] == [200, 403, 200]


async def test_answering_a_callback_query_too_late_or_twice_or_unknown(
    emu: BotApiEmulator, bot: Bot, monotonic: FakeMonotonic
) -> None:
    ana = emu.user(1001, "Ana")
    await bot.send_message(ana.id, "Pick", reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    message = await ana.next_reply(timeout=1)
    first = await ana.press(message, "A")
    late = await ana.press(message, callback_data="a")

    assert await bot.answer_callback_query(first.id, text="Done")
    with pytest.raises(BadRequest, match="(?i)query is too old and response timeout expired or query ID is invalid"):
        await bot.answer_callback_query(first.id)
    monotonic.advance(16)
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(late.id)
    with pytest.raises(BadRequest, match="(?i)query ID is invalid"):
        await bot.answer_callback_query("123")
    assert first.answered and first.answer_text == "Done" and not late.answered


async def test_malformed_parameters_are_answered_with_400_not_a_crash(emu: BotApiEmulator) -> None:
    emu.user(1001, "Ana")
    url = f"{emu.base_url}123456:TEST/sendMessage"
    bad_bodies = [
        {"chat_id": "1001", "text": "x", "reply_markup": "{not json"},
        {"chat_id": "not-a-chat", "text": "x"},
        {"chat_id": "1001", "text": "x", "reply_parameters": '{"message_id": "abc"}'},
        {"chat_id": "1001", "text": "x", "reply_markup": '{"inline_keyboard": [["just a string"]]}'},
        {"chat_id": "1001", "text": "x", "parse_mode": "BBCode"},
    ]
    async with aiohttp.ClientSession() as http:
        for body in bad_bodies:
            async with http.post(url, data=body) as response:
                assert response.status == 400, body
                assert (await response.json())["description"].startswith("Bad Request: ")
        async with http.post(url, data=b"{oops", headers={"Content-Type": "application/json"}) as response:
            assert response.status == 400
    assert [call.status for call in emu.calls] == [400] * 6
