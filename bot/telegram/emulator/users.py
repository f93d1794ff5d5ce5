"""People using Telegram, for tests and the terminal chat: they type, press buttons and read replies.

    async with BotApiEmulator() as emu:
        ana = emu.user(1001, "Ana", language_code="id", username="ana")
        await ana.send("di mana venuenya?")
        reply = await ana.next_reply(timeout=10)
        await ana.press(reply, "Day 2")

Each person reads each chat in order: `next_reply` returns the next thing the bot put into the chat
(a message, a venue, a document, or an edit of an earlier message as a SentMessage with edited=True)
and raises TimeoutError, naming the chat and what was received, when nothing comes.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from bot.telegram.emulator.formatting import utf16_len
from bot.telegram.emulator.state import (
    JSON,
    CallbackQueryRecord,
    Chat,
    EmulatorState,
    SentMessage,
    StoredMessage,
    UserAccount,
    image_size,
)

if TYPE_CHECKING:
    from bot.telegram.emulator.server import BotApiEmulator

#: A 1x1 PNG, for photos whose content does not matter.
SAMPLE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
#: The first bytes of an Ogg/Opus voice note.
SAMPLE_VOICE = b"OggS\x00\x02" + bytes(22) + b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"


# ------------------------------------------------------------------- what a message can contain


def command_content(command: str) -> JSON:
    """A command as Telegram's clients send it: "/agenda day 2" with a bot_command entity on "/agenda"
    (in groups write "/agenda@bot_username" when the command must name the bot)."""
    text = command if command.startswith("/") else f"/{command}"
    name = text.split(maxsplit=1)[0]
    return {"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": utf16_len(name)}]}


def sticker_content(state: EmulatorState, emoji: str = "👍") -> JSON:
    stored = state.store_file(
        "sticker", b"RIFF\x00\x00\x00\x00WEBPVP8 ", filename="sticker.webp", mime_type="image/webp"
    )
    return {
        "sticker": {
            **stored.to_api(),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
    }


def photo_content(state: EmulatorState, data: bytes = SAMPLE_PNG, caption: str | None = None) -> JSON:
    stored = state.store_file("photo", data, filename="photo.jpg", mime_type="image/jpeg")
    width, height = image_size(data)
    content: JSON = {"photo": [{**stored.to_api(), "width": width, "height": height}]}
    if caption:
        content["caption"] = caption
    return content


def voice_content(state: EmulatorState, duration: int = 3, data: bytes = SAMPLE_VOICE) -> JSON:
    stored = state.store_file("voice", data, filename="voice.oga", mime_type="audio/ogg")
    return {"voice": {**stored.to_api(), "duration": duration, "mime_type": "audio/ogg"}}


def document_content(
    state: EmulatorState,
    filename: str,
    data: bytes,
    mime_type: str = "application/octet-stream",
    caption: str | None = None,
) -> JSON:
    stored = state.store_file("document", data, filename=filename, mime_type=mime_type)
    content: JSON = {"document": {**stored.to_api(), "file_name": filename, "mime_type": mime_type}}
    if caption:
        content["caption"] = caption
    return content


def location_content(latitude: float, longitude: float) -> JSON:
    return {"location": {"latitude": latitude, "longitude": longitude}}


# --------------------------------------------------------------------------------------- readers


class _Reader:
    """Reads chats' bot output in order, one cursor per chat."""

    def __init__(self, emu: BotApiEmulator, name: str) -> None:
        self._emu = emu
        self._name = name
        self._cursors: dict[int, int] = {}

    @property
    def state(self) -> EmulatorState:
        return self._emu.state

    def _feed(self, chat_id: int) -> list[SentMessage]:
        return self.state.feed.get(chat_id, [])

    async def _next(self, chat_id: int, timeout: float) -> SentMessage:
        cursor = self._cursors.get(chat_id, 0)
        arrived = await self.state.changed.wait_for(lambda: len(self._feed(chat_id)) > cursor, timeout)
        if not arrived:
            raise TimeoutError(self._nothing_arrived(chat_id, timeout))
        self._cursors[chat_id] = cursor + 1
        return self._feed(chat_id)[cursor]

    async def _wait(self, chat_id: int, count: int, timeout: float) -> list[SentMessage]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        replies: list[SentMessage] = []
        for _ in range(count):
            try:
                replies.append(await self._next(chat_id, max(0.0, deadline - loop.time())))
            except TimeoutError as error:
                raise TimeoutError(f"expected {count} replies, got {len(replies)}: {error}") from None
        return replies

    def _nothing_arrived(self, chat_id: int, timeout: float) -> str:
        feed = self._feed(chat_id)
        seen = [_describe(sent) for sent in feed[-5:]]
        failed = [
            f"{call.method} -> {call.status} {call.description or ''}".strip()
            for call in self.state.calls
            if call.chat_id == chat_id and call.status != 200
        ][-5:]
        message = f"{self._name} got nothing new from the bot in chat {chat_id} within {timeout:g} s"
        message += (
            f"; already read {self._cursors.get(chat_id, 0)} of {len(feed)}: {seen}"
            if feed
            else "; the bot has sent nothing to this chat"
        )
        if failed:
            message += f"; failed calls for this chat: {failed}"
        return message

    async def _expect_silence(self, chat_id: int, within: float, after: Awaitable[object] | None) -> None:
        cursor = self._cursors.get(chat_id, 0)
        if after is not None:
            # The proof that the work under test ran (e.g. ManualClock.went_round): without it, silence
            # would also be what a loop that never ran produces.
            await after
        if await self.state.changed.wait_for(lambda: len(self._feed(chat_id)) > cursor, within):
            raise AssertionError(
                f"{self._name} expected no reply in chat {chat_id} but got {_describe(self._feed(chat_id)[cursor])}"
            )


def _describe(sent: SentMessage) -> str:
    what = "edit" if sent.edited else sent.method
    detail = sent.text or (sent.venue and sent.venue.title) or (sent.document and sent.document.filename) or ""
    return f"{what}#{sent.message_id}: {detail[:60]!r}"


class EmulatedGroup(_Reader):
    """A group chat; people post in it with `user.send(..., chat=group)`."""

    def __init__(self, emu: BotApiEmulator, chat: Chat) -> None:
        super().__init__(emu, f"group {chat.title!r}")
        self.chat = chat

    @property
    def id(self) -> int:
        return self.chat.id

    @property
    def title(self) -> str | None:
        return self.chat.title

    @property
    def messages(self) -> list[SentMessage]:
        """Everything the bot put into the group so far (edits included), in order."""
        return list(self._feed(self.id))

    async def next_message(self, timeout: float = 10.0) -> SentMessage:
        return await self._next(self.id, timeout)

    async def expect_silence(self, within: float = 0.5, *, after: Awaitable[object] | None = None) -> None:
        """Assert that the bot puts nothing new into the group within `within` seconds of `after`
        (an awaitable proving that the loop under test ran, e.g. `clock.went_round("reminders")`)."""
        await self._expect_silence(self.id, within, after)


class EmulatedUser(_Reader):
    """A person with a Telegram account, chatting with the bot in private or in groups."""

    def __init__(self, emu: BotApiEmulator, account: UserAccount) -> None:
        super().__init__(emu, f"{account.first_name} (user {account.id})")
        self.account = account

    def __repr__(self) -> str:
        return f"EmulatedUser({self.account.id}, {self.account.first_name!r}, language_code={self.account.language_code!r})"

    @property
    def id(self) -> int:
        return self.account.id

    @property
    def name(self) -> str:
        return self.account.first_name

    @property
    def language_code(self) -> str | None:
        return self.account.language_code

    @property
    def chat(self) -> Chat:
        """The private chat with the bot (its id is the user's id)."""
        return self.state.chats[self.id]

    # ------------------------------------------------------------------------------- writing

    async def send(self, text: str, *, chat: Any = None, reply_to: Any = None) -> JSON:
        """Type a text message; returns the Message the bot will receive."""
        if not text:
            raise ValueError("Telegram's clients do not send empty messages")
        return self._post({"text": text}, chat, reply_to)

    async def send_raw(self, content: JSON, *, chat: Any = None) -> JSON:
        """A message with exactly these fields (e.g. {"text": ""}): what a buggy client or a forged
        update could deliver, which Telegram's own clients never send."""
        return self._post(dict(content), chat)

    async def command(self, command: str, *, chat: Any = None, reply_to: Any = None) -> JSON:
        """Send "/agenda" (or "agenda", or "/agenda day 2") with a bot_command entity."""
        return self._post(command_content(command), chat, reply_to)

    async def send_sticker(self, emoji: str = "👍", *, chat: Any = None) -> JSON:
        return self._post(sticker_content(self.state, emoji), chat)

    async def send_photo(self, data: bytes = SAMPLE_PNG, caption: str | None = None, *, chat: Any = None) -> JSON:
        return self._post(photo_content(self.state, data, caption), chat)

    async def send_voice(self, duration: int = 3, data: bytes = SAMPLE_VOICE, *, chat: Any = None) -> JSON:
        return self._post(voice_content(self.state, duration, data), chat)

    async def send_document(
        self,
        filename: str,
        data: bytes,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        *,
        chat: Any = None,
    ) -> JSON:
        return self._post(document_content(self.state, filename, data, mime_type, caption), chat)

    async def send_location(self, latitude: float, longitude: float, *, chat: Any = None) -> JSON:
        return self._post(location_content(latitude, longitude), chat)

    async def edit(self, message: Any, text: str) -> JSON:
        """Edit one of this person's own text messages: the bot gets an edited_message update."""
        chat_id, message_id = _message_ref(message, self.id)
        return self.state.edit_user_message(self.account, chat_id, message_id, text)

    async def press(
        self, message: Any, text: str | None = None, *, callback_data: str | None = None
    ) -> CallbackQueryRecord:
        """Press an inline button of a bot message, found by its text (or its callback_data).

        The button is looked up on the message as it is now, so a keyboard removed by an edit
        cannot be pressed any more. Returns the callback query; `answer_to` waits for its answer.
        """
        if text is None and callback_data is None:
            raise ValueError("say which button: press(message, 'Day 2') or press(message, callback_data='day:2')")
        stored = self._bot_message(message)
        assert stored.sent is not None
        button = stored.sent.button(text, callback_data=callback_data)
        if button.callback_data is None:
            raise ValueError(f"button {button.text!r} opens {button.url!r}: pressing it sends nothing to the bot")
        return self.state.press_button(self.account, stored, button.callback_data)

    async def press_raw(self, message: Any, callback_data: str) -> CallbackQueryRecord:
        """Send a callback query with any data, as a modified client could (the bot must not trust it)."""
        return self.state.press_button(self.account, self._bot_message(message), callback_data)

    async def answer_to(self, query: CallbackQueryRecord, timeout: float = 5.0) -> CallbackQueryRecord:
        """Wait until the bot answers this button press (answerCallbackQuery)."""
        if not await self.state.changed.wait_for(lambda: query.answered, timeout):
            raise TimeoutError(f"the bot did not answer {self.name}'s button press {query.data!r} within {timeout:g} s")
        return query

    def block(self) -> None:
        """Block the bot: from now on it gets 403 Forbidden for this chat."""
        self.state.set_blocked(self.account, True)

    def unblock(self) -> None:
        self.state.set_blocked(self.account, False)

    # ------------------------------------------------------------------------------- reading

    async def next_reply(self, timeout: float = 10.0, *, chat: Any = None) -> SentMessage:
        """The next thing the bot put into this chat (private by default), edits included."""
        return await self._next(self._chat(chat).id, timeout)

    async def wait_replies(self, count: int, timeout: float = 10.0, *, chat: Any = None) -> list[SentMessage]:
        return await self._wait(self._chat(chat).id, count, timeout)

    async def expect_silence(self, within: float = 0.5, *, chat: Any = None, after: Awaitable[object] | None = None) -> None:
        """Assert that the bot puts nothing new into the chat within `within` seconds of `after`.

        `after` proves that the work under test ran before silence is judged: for a background loop,
        `clock.went_round("reminders")` (bot.clock.ManualClock); a silence check without it would also
        pass when the loop never ran. Nothing that arrived while `after` was awaited is excused."""
        await self._expect_silence(self._chat(chat).id, within, after)

    @property
    def replies(self) -> list[SentMessage]:
        """Everything the bot put into the private chat so far (edits included), in order."""
        return list(self._feed(self.id))

    # ------------------------------------------------------------------------------- helpers

    def _chat(self, chat: Any) -> Chat:
        if chat is None:
            return self.chat
        if isinstance(chat, (EmulatedGroup, EmulatedUser)):
            return chat.chat
        if isinstance(chat, Chat):
            return chat
        found = self.state.find_chat(chat)
        if found is None:
            raise LookupError(f"no chat {chat!r}: create it with emu.group(...) or emu.user(...)")
        return found

    def _post(self, content: JSON, chat: Any, reply_to: Any = None) -> JSON:
        target = self._chat(chat)
        reply_id = None if reply_to is None else _message_ref(reply_to, target.id)[1]
        return self.state.user_message(self.account, target, content, reply_to=reply_id)

    def _bot_message(self, message: Any) -> StoredMessage:
        chat_id, message_id = _message_ref(message, self.id)
        stored = self.state.message(chat_id, message_id)
        if stored is None or not stored.from_bot or stored.sent is None:
            raise LookupError(f"there is no bot message {message_id} in chat {chat_id} (deleted?)")
        return stored


def _message_ref(message: Any, default_chat: int) -> tuple[int, int]:
    """(chat id, message id) of a SentMessage, a Message dict, or a bare message id."""
    if isinstance(message, SentMessage):
        return message.chat_id, message.message_id
    if isinstance(message, dict):
        return message["chat"]["id"], message["message_id"]
    if isinstance(message, int):
        return default_chat, message
    raise TypeError(f"not a message: {message!r}")
