"""The emulated Telegram world: users, chats, messages, the bot's update queue and a record of every call.

Everything here is synchronous and owned by one event loop. Whoever changes the world calls
`EmulatorState.changed.notify()` (the helpers below do), and whoever waits for something (a long
poll, a test waiting for a reply, the webhook sender) re-checks its condition on each notification.

Message ids are counted per chat and shared by the delegate's and the bot's messages, as in a private
chat on Telegram. Update ids grow by one from 1.
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from bot.telegram.emulator.formatting import Entity, detect_entities, render_html
from bot.telegram.emulator.markup import Button

JSON = dict[str, Any]

#: What getUpdates sends when allowed_updates is empty or was never set.
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
    }
)


class Signal:
    """Wakes every waiter whenever the world changes; waiters re-check their own condition."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait_for(self, condition: Callable[[], bool], timeout: float | None) -> bool:
        """True as soon as `condition()` holds; False if it still does not after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not condition():
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            if self._event is None:
                self._event = asyncio.Event()
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except asyncio.TimeoutError:
                return condition()
        return True


@dataclass
class UserAccount:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    blocked_bot: bool = False

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class Chat:
    id: int
    type: str  # "private", "group", "supergroup"
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "photo", "document", "voice", "sticker"
    data: bytes
    filename: str | None = None
    mime_type: str | None = None
    url: str | None = None  # sent by URL: the emulator never downloads it

    @property
    def file_path(self) -> str:
        suffix = ""
        if self.filename and "." in self.filename:
            suffix = "." + self.filename.rsplit(".", 1)[1]
        return f"{self.kind}s/{self.file_unique_id}{suffix}"

    def to_api(self) -> JSON:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.data)}


@dataclass(frozen=True)
class SentFile:
    """A file the bot sent: what the delegate would download."""

    file_id: str
    filename: str | None
    mime_type: str | None
    data: bytes = field(repr=False)
    url: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class SentVenue:
    latitude: float
    longitude: float
    title: str
    address: str


@dataclass(frozen=True)
class SentLocation:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class SentMessage:
    """One thing the bot put into a chat, or one edit of it (`edited=True`, earlier versions in `history`).

    `text` is the visible text (HTML stripped, entities decoded; the caption for photos and
    documents); `raw` is the text exactly as sent with `parse_mode`; `html` renders `text` and
    `entities` back as canonical Telegram HTML.
    """

    chat_id: int
    message_id: int
    method: str
    text: str
    raw: str | None = None
    parse_mode: str | None = None
    entities: tuple[Entity, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()
    keyboard: tuple[tuple[str, ...], ...] = ()
    remove_keyboard: bool = False
    venue: SentVenue | None = None
    location: SentLocation | None = None
    document: SentFile | None = None
    photo: SentFile | None = None
    reply_to_message_id: int | None = None
    disable_notification: bool = False
    link_preview_disabled: bool = False
    edited: bool = False
    history: tuple[SentMessage, ...] = ()
    seq: int = 0
    date: int = 0
    payload: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def html(self) -> str:
        return render_html(self.text, list(self.entities))

    @property
    def button_texts(self) -> list[list[str]]:
        return [[button.text for button in row] for row in self.buttons]

    def button(self, text: str | None = None, *, callback_data: str | None = None) -> Button:
        """The inline button with this text (or callback_data); a clear error lists the others."""
        for row in self.buttons:
            for button in row:
                if (text is not None and button.text == text) or (
                    callback_data is not None and button.callback_data == callback_data
                ):
                    return button
        wanted = f"text {text!r}" if text is not None else f"callback_data {callback_data!r}"
        raise LookupError(
            f"message {self.message_id} in chat {self.chat_id} has no button with {wanted}; buttons: {self.button_texts}"
        )

    def to_dict(self) -> JSON:
        """JSON for the control API (file contents as sizes, not bytes)."""

        def file_info(sent: SentFile | None) -> JSON | None:
            if sent is None:
                return None
            return {
                "file_id": sent.file_id,
                "filename": sent.filename,
                "mime_type": sent.mime_type,
                "size": sent.size,
                "url": sent.url,
            }

        return {
            "seq": self.seq,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "method": self.method,
            "text": self.text,
            "raw": self.raw,
            "parse_mode": self.parse_mode,
            "html": self.html,
            "buttons": [[button.to_dict() for button in row] for row in self.buttons],
            "keyboard": [list(row) for row in self.keyboard],
            "remove_keyboard": self.remove_keyboard,
            "venue": None if self.venue is None else vars(self.venue),
            "location": None if self.location is None else vars(self.location),
            "document": file_info(self.document),
            "photo": file_info(self.photo),
            "reply_to_message_id": self.reply_to_message_id,
            "disable_notification": self.disable_notification,
            "link_preview_disabled": self.link_preview_disabled,
            "edited": self.edited,
            "date": self.date,
        }


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    payload: JSON
    from_bot: bool
    sent: SentMessage | None = None  # the current version, for the bot's messages
    deleted: bool = False


@dataclass(frozen=True)
class CallRecord:
    """One Bot API call. `status` is the HTTP status answered (0: the connection was reset)."""

    method: str
    params: JSON
    chat_id: int | str | None
    at: float  # the emulator's monotonic clock
    status: int
    description: str | None = None
    fault: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class CallbackQueryRecord:
    """A button press; `answered` and the answer fields fill in when the bot calls answerCallbackQuery."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created_at: float
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False
    answer_url: str | None = None


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


class EmulatorState:
    """The world. Methods named after what a person does (`user_message`, `press_button`) create updates."""

    def __init__(
        self,
        *,
        bot_username: str,
        bot_name: str,
        wall_clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.bot_id = 0  # learnt from the token of the first call
        self.wall_clock = wall_clock
        self.monotonic = monotonic
        self.users: dict[int, UserAccount] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[int, dict[int, StoredMessage]] = {}
        self._last_message_id: dict[int, int] = {}
        self.updates: list[JSON] = []
        # Like Telegram, a fresh start point rather than 1: a bot restarted against a new emulator (make
        # run, again) must not see ids its ledger already holds (bot.updates).
        self.next_update_id = int(wall_clock() * 1000) % 2**52
        self.allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self.feed: dict[int, list[SentMessage]] = {}
        self.feed_seq = 0
        self.calls: list[CallRecord] = []
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.webhook: WebhookConfig | None = None
        self.changed = Signal()

    # ------------------------------------------------------------------------------ identities

    def bot_user(self) -> JSON:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_name, "username": self.bot_username}

    def now(self) -> int:
        return int(self.wall_clock())

    def add_user(self, user_id: int, first_name: str, **fields: Any) -> UserAccount:
        """Create the user (and their private chat with the bot), or update the given fields."""
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = UserAccount(user_id, first_name, **fields)
        else:
            user.first_name = first_name
            for key, value in fields.items():
                if value is not None:
                    setattr(user, key, value)
        self.chats[user_id] = Chat(
            user_id, "private", username=user.username, first_name=user.first_name, last_name=user.last_name
        )
        return user

    def add_group(self, chat_id: int, title: str, chat_type: str | None = None) -> Chat:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative (supergroups start with -100)")
        kind = chat_type or ("supergroup" if str(chat_id).startswith("-100") else "group")
        chat = self.chats[chat_id] = Chat(chat_id, kind, title=title)
        return chat

    def find_chat(self, chat_id: int | str) -> Chat | None:
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            return next((chat for chat in self.chats.values() if chat.username and chat.username.lower() == name), None)
        return self.chats.get(chat_id)

    # -------------------------------------------------------------------------------- messages

    def next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        stored = self.messages.get(chat_id, {}).get(message_id)
        return None if stored is None or stored.deleted else stored

    def store_message(self, chat: Chat, payload: JSON, from_bot: bool) -> StoredMessage:
        stored = StoredMessage(chat.id, payload["message_id"], payload, from_bot)
        self.messages.setdefault(chat.id, {})[stored.message_id] = stored
        return stored

    def publish(self, stored: StoredMessage, sent: SentMessage) -> SentMessage:
        """Add a bot message (or a new version of it) to its chat's feed."""
        self.feed_seq += 1
        sent = replace(sent, seq=self.feed_seq)
        stored.sent = sent
        self.feed.setdefault(sent.chat_id, []).append(sent)
        self.changed.notify()
        return sent

    def sent_messages(self, chat_id: int) -> list[SentMessage]:
        """The bot's messages in this chat as they are now (edits applied, deleted ones left out)."""
        stored = self.messages.get(chat_id, {}).values()
        return [
            message.sent for message in stored if message.from_bot and not message.deleted and message.sent is not None
        ]

    # --------------------------------------------------------------------------------- updates

    def push_update(self, kind: str, body: JSON) -> JSON:
        update = {"update_id": self.next_update_id, kind: body}
        self.next_update_id += 1
        self.updates.append(update)
        self.changed.notify()
        return update

    def pending_updates(self) -> list[JSON]:
        return [update for update in self.updates if _update_kind(update) in self.allowed_updates]

    def confirm_updates(self, offset: int) -> None:
        """getUpdates with `offset` forgets every update before it (negative: keep only the last -offset)."""
        before = len(self.updates)
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [update for update in self.updates if update["update_id"] >= offset]
        if len(self.updates) != before:
            self.changed.notify()

    def user_message(self, user: UserAccount, chat: Chat, content: JSON, reply_to: int | None = None) -> JSON:
        """The delegate sends a message (text, sticker, photo, ...); the bot gets a "message" update."""
        payload: JSON = {
            "message_id": self.next_message_id(chat.id),
            "from": user.to_api(),
            "chat": chat.to_api(),
            "date": self.now(),
            **content,
        }
        if "text" in content and "entities" not in content:
            entities = detect_entities(content["text"])
            if entities:
                payload["entities"] = entities
        if reply_to is not None:
            replied = self.message(chat.id, reply_to)
            if replied is None:
                raise LookupError(f"message {reply_to} does not exist in chat {chat.id}")
            payload["reply_to_message"] = {
                key: value for key, value in replied.payload.items() if key != "reply_to_message"
            }
        self.store_message(chat, payload, from_bot=False)
        self.push_update("message", payload)
        return payload

    def edit_user_message(self, user: UserAccount, chat_id: int, message_id: int, text: str) -> JSON:
        stored = self.message(chat_id, message_id)
        if stored is None or stored.from_bot or stored.payload["from"]["id"] != user.id:
            raise LookupError(f"{user.first_name} has no message {message_id} in chat {chat_id} to edit")
        payload = {**stored.payload, "text": text, "edit_date": self.now()}
        payload.pop("entities", None)
        entities = detect_entities(text)
        if entities:
            payload["entities"] = entities
        stored.payload = payload
        self.push_update("edited_message", payload)
        return payload

    def press_button(self, user: UserAccount, stored: StoredMessage, data: str) -> CallbackQueryRecord:
        """The delegate presses an inline button (or forges one): the bot gets a "callback_query" update."""
        query = CallbackQueryRecord(
            id=str(4_000_000_000_000 + len(self.callback_queries) + 1),
            user_id=user.id,
            chat_id=stored.chat_id,
            message_id=stored.message_id,
            data=data,
            created_at=self.monotonic(),
        )
        self.callback_queries[query.id] = query
        self.push_update(
            "callback_query",
            {
                "id": query.id,
                "from": user.to_api(),
                "message": stored.payload,
                "chat_instance": str(abs(stored.chat_id) * 7919 % 10**12),
                "data": data,
            },
        )
        return query

    def set_blocked(self, user: UserAccount, blocked: bool) -> None:
        """Block or unblock the bot; Telegram tells the bot with a "my_chat_member" update."""
        if user.blocked_bot == blocked:
            return
        user.blocked_bot = blocked
        member = {"status": "member", "user": self.bot_user()}
        kicked = {"status": "kicked", "user": self.bot_user(), "until_date": 0}
        old, new = (member, kicked) if blocked else (kicked, member)
        self.push_update(
            "my_chat_member",
            {
                "chat": self.chats[user.id].to_api(),
                "from": user.to_api(),
                "date": self.now(),
                "old_chat_member": old,
                "new_chat_member": new,
            },
        )

    # ----------------------------------------------------------------------------------- files

    def store_file(
        self, kind: str, data: bytes, filename: str | None = None, mime_type: str | None = None, url: str | None = None
    ) -> StoredFile:
        number = len(self.files) + 1
        stored = StoredFile(
            file_id=f"EMU{kind[:3].upper()}{number:08d}",
            file_unique_id=f"u{kind[:2]}{number:06d}",
            kind=kind,
            data=data,
            filename=filename,
            mime_type=mime_type,
            url=url,
        )
        self.files[stored.file_id] = stored
        return stored

    # ----------------------------------------------------------------------------------- calls

    def record_call(self, record: CallRecord) -> None:
        self.calls.append(record)
        self.changed.notify()


def _update_kind(update: JSON) -> str:
    return next(key for key in update if key != "update_id")


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, GIF or JPEG (1x1 when unknown): PhotoSize needs them."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return 1, 1
