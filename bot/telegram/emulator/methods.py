"""The Bot API methods: validation as Telegram does it, then a change to the emulated world.

`BotApi.call(token, method, params)` answers like api.telegram.org: an `Answer` with the HTTP status
and the JSON body ({"ok": true, "result": ...} or {"ok": false, "error_code": ..., "description": ...}).
Transport-level behaviour (a delayed answer, a reset connection) is described in the Answer and
carried out by the server. Every call is recorded in `state.calls`.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.telegram.emulator.faults import Faults
from bot.telegram.emulator.formatting import EntityParseError, parse_mode_known, parse_text, strip_text
from bot.telegram.emulator.limits import Limits, too_many_requests
from bot.telegram.emulator.markup import Markup, MarkupError, parse_reply_markup
from bot.telegram.emulator.params import ParamError, Params, Upload
from bot.telegram.emulator.state import (
    DEFAULT_ALLOWED_UPDATES,
    JSON,
    CallRecord,
    Chat,
    EmulatorState,
    SentFile,
    SentLocation,
    SentMessage,
    SentVenue,
    StoredFile,
    StoredMessage,
    WebhookConfig,
    image_size,
)

log = logging.getLogger("bot.telegram.emulator")

TOKEN_RE = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
MAX_LONG_POLL = 50.0
NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SCOPES = {
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
    "chat",
    "chat_administrators",
    "chat_member",
}
_CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
_COPYABLE = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "venue",
    "location",
    "sticker",
    "voice",
    "contact",
)


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    return ApiError(400, description if description.startswith("Bad Request") else f"Bad Request: {description}")


@dataclass(frozen=True)
class Answer:
    """What to answer: `body` as JSON (or `text` as HTML), after `delay` seconds, or reset the connection."""

    status: int
    body: JSON | None = None
    text: str | None = None
    delay: float = 0.0
    reset: bool = False
    fault: str | None = None

    @property
    def description(self) -> str | None:
        return None if self.body is None else self.body.get("description")


Handler = Callable[["BotApi", Params], Awaitable[Any]]


@dataclass(frozen=True)
class MethodSpec:
    name: str
    handler: Handler
    sending: bool


METHODS: dict[str, MethodSpec] = {}


def api_method(name: str, *, sending: bool = False) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = MethodSpec(name, handler, sending)
        return handler

    return register


@dataclass(frozen=True)
class Formatted:
    source: str | None
    parse_mode: str | None
    text: str
    entities: list[JSON]


class BotApi:
    def __init__(
        self, state: EmulatorState, limits: Limits, faults: Faults | None = None, callback_query_ttl: float = 15.0
    ) -> None:
        self.state = state
        self.limits = limits
        self.faults = faults
        self.callback_query_ttl = callback_query_ttl
        self.closing = False
        self._poll_generation = 0

    async def call(self, token: str, method: str, params: Params) -> Answer:
        """Answer one call as Telegram would, and record it."""
        return self.record(method, params, await self._answer(token, method, params))

    def reject(self, method: str, description: str) -> Answer:
        """Record and answer a call whose parameters could not even be read."""
        return self.record(method, Params(), Answer(400, bad_request(description).body()))

    def record(self, method: str, params: Params, answer: Answer) -> Answer:
        spec = METHODS.get(method.lower())
        record = CallRecord(
            method=spec.name if spec else method,
            params=params.record(),
            chat_id=params.chat_id_for_record(),
            at=self.state.monotonic(),
            status=0 if answer.reset else answer.status,
            description=answer.description,
            fault=answer.fault,
        )
        self.state.record_call(record)
        if log.isEnabledFor(logging.INFO):
            log.info(
                "%s%s -> %s%s%s",
                record.method,
                "" if record.chat_id is None else f" chat={record.chat_id}",
                record.status or "connection reset",
                f" {record.description}" if record.description else "",
                f" [fault {answer.fault}]" if answer.fault else "",
            )
        return answer

    async def _answer(self, token: str, method: str, params: Params) -> Answer:
        match = TOKEN_RE.match(token)
        if not match:
            return Answer(401, ApiError(401, "Unauthorized").body())
        self.state.bot_id = int(match.group(1))
        spec = METHODS.get(method.lower())
        if spec is None:
            return Answer(404, ApiError(404, "Not Found").body())
        faults = self.faults if spec.sending else None
        fault = faults.pick(spec.name) if faults is not None else None
        if faults is not None and fault is not None and (fault != "timeout" or not faults.timeout_delivers):
            return self._fault(fault)
        try:
            result = await spec.handler(self, params)
            answer = Answer(200, {"ok": True, "result": result})
        except (ParamError, MarkupError) as error:
            answer = Answer(400, bad_request(str(error)).body())
        except ApiError as error:
            answer = Answer(error.status, error.body())
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            # Parameters of the wrong shape (e.g. a string where an object belongs): Telegram says 400.
            log.warning("%s: malformed parameters %s", spec.name, params.record(), exc_info=True)
            answer = Answer(400, bad_request(f"invalid parameters: {error!r}").body())
        if faults is not None and fault == "timeout":  # it went through, but the answer comes too late
            return replace(answer, delay=faults.timeout_delay, fault=fault)
        return answer

    def _fault(self, kind: str) -> Answer:
        assert self.faults is not None
        if kind == "429":
            return Answer(429, too_many_requests(self.faults.retry_after), fault=kind)
        if kind == "500":
            return Answer(500, ApiError(500, "Internal Server Error").body(), fault=kind)
        if kind == "502":
            return Answer(502, text=NGINX_502, fault=kind)
        if kind == "timeout":
            return Answer(504, ApiError(504, "Gateway Timeout").body(), delay=self.faults.timeout_delay, fault=kind)
        return Answer(0, reset=True, fault=kind)

    # ------------------------------------------------------------------------------- helpers

    def target_chat(self, params: Params, name: str = "chat_id") -> Chat:
        chat = self.state.find_chat(params.chat_id(name))
        if chat is None:
            raise bad_request("chat not found")
        if chat.type == "private":
            user = self.state.users.get(chat.id)
            if user is not None and user.blocked_bot:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def admit(self, method: str, chat: Chat) -> None:
        retry_after = self.limits.acquire(method, chat.id, chat.is_group)
        if retry_after is not None:
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})

    def formatted(self, params: Params, name: str, *, caption: bool = False) -> Formatted:
        source = params.text(name)
        parse_mode = params.text("parse_mode") or None
        if not source:
            if caption:
                return Formatted(None, parse_mode, "", [])
            raise bad_request("message text is empty")
        if not parse_mode_known(parse_mode):
            raise bad_request(f"unsupported parse_mode {parse_mode!r}")
        if parse_mode:
            try:
                text, entities = parse_text(source, parse_mode)
            except EntityParseError as error:
                raise bad_request(f"can't parse entities: {error}") from error
        else:
            text, entities = source, list(params.obj("caption_entities" if caption else "entities") or [])
        text, entities = strip_text(text, entities)
        if not text and not caption:
            raise bad_request("message text is empty")
        if caption and len(text) > self.limits.max_caption:
            raise bad_request("message caption is too long")
        if not caption and len(text) > self.limits.max_text:
            raise bad_request("message is too long")
        return Formatted(source, parse_mode, text, entities)

    def markup(self, params: Params) -> Markup | None:
        return parse_reply_markup(
            params.obj("reply_markup"),
            max_callback_data=self.limits.max_callback_data,
            max_buttons=self.limits.max_buttons,
        )

    def reply_target(self, chat: Chat, params: Params) -> StoredMessage | None:
        reply = params.obj("reply_parameters") or {}
        if not isinstance(reply, dict):
            raise bad_request("can't parse reply parameters JSON object")
        message_id = reply.get("message_id", params.integer("reply_to_message_id"))
        if message_id is None:
            return None
        allow_missing = reply.get("allow_sending_without_reply", params.flag("allow_sending_without_reply"))
        reply_chat = chat
        if reply.get("chat_id") is not None:
            found = self.state.find_chat(reply["chat_id"])
            if found is None:
                raise bad_request("chat not found")
            reply_chat = found
        target = self.state.message(reply_chat.id, int(message_id))
        if target is None and not allow_missing:
            raise bad_request("message to be replied not found")
        return target

    def deliver(
        self,
        chat: Chat,
        method: str,
        params: Params,
        content: JSON,
        *,
        formatted: Formatted | None = None,
        markup: Markup | None = None,
    ) -> JSON:
        """Validate the common options, count the call against the limits, store and publish the message."""
        reply_to = self.reply_target(chat, params)
        self.admit(method, chat)
        payload: JSON = {
            "message_id": self.state.next_message_id(chat.id),
            "from": self.state.bot_user(),
            "chat": chat.to_api(),
            "date": self.state.now(),
        }
        if reply_to is not None:
            payload["reply_to_message"] = {
                key: value for key, value in reply_to.payload.items() if key != "reply_to_message"
            }
        payload.update(content)
        if markup is not None and markup.api is not None:
            payload["reply_markup"] = markup.api
        stored = self.state.store_message(chat, payload, from_bot=True)
        sent = self.sent_message(payload, method, formatted=formatted, markup=markup, params=params)
        self.state.publish(stored, sent)
        return payload

    def sent_message(
        self, payload: JSON, method: str, *, formatted: Formatted | None, markup: Markup | None, params: Params | None
    ) -> SentMessage:
        text: str = payload.get("text") or payload.get("caption") or ""
        venue = payload.get("venue")
        location = payload.get("location")
        preview = (params.obj("link_preview_options") or {}) if params else {}
        return SentMessage(
            chat_id=payload["chat"]["id"],
            message_id=payload["message_id"],
            method=method,
            text=text,
            raw=formatted.source if formatted else text or None,
            parse_mode=formatted.parse_mode if formatted else None,
            entities=tuple(payload.get("entities") or payload.get("caption_entities") or ()),
            buttons=markup.buttons if markup else (),
            keyboard=markup.keyboard if markup else (),
            remove_keyboard=bool(markup and markup.kind == "remove"),
            venue=SentVenue(
                venue["location"]["latitude"], venue["location"]["longitude"], venue["title"], venue["address"]
            )
            if venue
            else None,
            location=SentLocation(location["latitude"], location["longitude"]) if location else None,
            document=self._sent_file(payload.get("document")),
            photo=self._sent_file(payload["photo"][-1]) if payload.get("photo") else None,
            reply_to_message_id=payload.get("reply_to_message", {}).get("message_id"),
            disable_notification=bool(params and params.flag("disable_notification")),
            link_preview_disabled=bool(
                params
                and (
                    params.flag("disable_web_page_preview")
                    or (isinstance(preview, dict) and preview.get("is_disabled"))
                )
            ),
            date=payload["date"],
            payload=payload,
        )

    def _sent_file(self, info: JSON | None) -> SentFile | None:
        if not info:
            return None
        stored = self.state.files.get(info["file_id"])
        if stored is None:
            return SentFile(info["file_id"], info.get("file_name"), info.get("mime_type"), b"")
        return SentFile(stored.file_id, stored.filename, stored.mime_type, stored.data, stored.url)

    def input_file(self, params: Params, name: str, kind: str) -> StoredFile:
        given = params.file(name)
        if given is None:
            raise bad_request(f"there is no {name} in the request")
        if isinstance(given, Upload):
            if not given.data:
                raise bad_request("file must be non-empty")
            mime_type = given.mime_type or mimetypes.guess_type(given.filename or "")[0] or "application/octet-stream"
            return self.state.store_file(kind, given.data, filename=given.filename, mime_type=mime_type)
        if given in self.state.files:
            return self.state.files[given]
        if given.startswith(("http://", "https://")):
            filename = given.rsplit("/", 1)[-1] or None
            return self.state.store_file(
                kind, b"", filename=filename, mime_type=mimetypes.guess_type(given)[0], url=given
            )
        raise bad_request("wrong file identifier/HTTP URL specified")

    def editable(self, params: Params) -> tuple[Chat, StoredMessage]:
        if params.has("inline_message_id"):
            raise bad_request("inline messages are not emulated")
        chat = self.target_chat(params)
        stored = self.state.message(chat.id, params.required_integer("message_id"))
        if stored is None:
            raise bad_request("message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return chat, stored

    def publish_edit(
        self,
        stored: StoredMessage,
        payload: JSON,
        method: str,
        *,
        formatted: Formatted | None,
        markup: Markup | None,
        params: Params,
    ) -> None:
        previous = stored.sent
        stored.payload = payload
        sent = self.sent_message(payload, method, formatted=formatted, markup=markup, params=params)
        if previous is not None:
            if formatted is None:  # only the markup changed: the text keeps how it was sent
                sent = replace(sent, raw=previous.raw, parse_mode=previous.parse_mode)
            sent = replace(
                sent, history=(*previous.history, previous), reply_to_message_id=previous.reply_to_message_id
            )
        self.state.publish(stored, replace(sent, edited=True))

    def callback_query_expired(self, created_at: float) -> bool:
        return self.state.monotonic() - created_at > self.callback_query_ttl


def _location(params: Params) -> JSON:
    latitude, longitude = params.number("latitude"), params.number("longitude")
    if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
        raise bad_request("wrong coordinates")
    return {"latitude": latitude, "longitude": longitude}


def _caption_content(formatted: Formatted) -> JSON:
    content: JSON = {}
    if formatted.text:
        content["caption"] = formatted.text
        if formatted.entities:
            content["caption_entities"] = formatted.entities
    return content


def _scope_key(params: Params, api: BotApi) -> tuple[str, str]:
    scope = params.obj("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
        raise bad_request("wrong bot command scope")
    needs_chat = scope["type"] in ("chat", "chat_administrators", "chat_member")
    if needs_chat and ("chat_id" not in scope or api.state.find_chat(scope["chat_id"]) is None):
        raise bad_request("chat not found")
    language = params.text("language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True), language


# ------------------------------------------------------------------------------------- methods


@api_method("getMe")
async def get_me(api: BotApi, params: Params) -> JSON:
    return {
        **api.state.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@api_method("getUpdates")
async def get_updates(api: BotApi, params: Params) -> list[JSON]:
    state = api.state
    if state.webhook is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        )
    offset = params.integer("offset")
    if offset is not None:
        state.confirm_updates(offset)
    allowed = params.obj("allowed_updates")
    if allowed is not None:
        state.allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES
    limit = min(max(params.integer("limit", 100) or 100, 1), 100)
    timeout = min(max(params.seconds("timeout"), 0.0), MAX_LONG_POLL)
    api._poll_generation += 1
    generation = api._poll_generation
    if timeout > 0:
        await state.changed.wait_for(
            lambda: (
                bool(state.pending_updates())
                or api._poll_generation != generation
                or api.closing
                or state.webhook is not None
            ),
            timeout,
        )
    if api._poll_generation != generation:
        raise ApiError(
            409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
        )
    return state.pending_updates()[:limit]


@api_method("setWebhook")
async def set_webhook(api: BotApi, params: Params) -> bool:
    url = params.text("url") or ""
    if not url:
        return await delete_webhook(api, params)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.text("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise bad_request("secret token contains unallowed characters")
    if params.flag("drop_pending_updates"):
        api.state.updates.clear()
    allowed = params.obj("allowed_updates")
    if allowed is not None:
        api.state.allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES
    api.state.webhook = WebhookConfig(
        url=url,
        secret_token=secret,
        max_connections=params.integer("max_connections", 40) or 40,
        allowed_updates=allowed or None,
    )
    api.state.changed.notify()
    return True


@api_method("deleteWebhook")
async def delete_webhook(api: BotApi, params: Params) -> bool:
    api.state.webhook = None
    if params.flag("drop_pending_updates"):
        api.state.updates.clear()
    api.state.changed.notify()
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(api: BotApi, params: Params) -> JSON:
    webhook = api.state.webhook
    info: JSON = {
        "url": webhook.url if webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(api.state.pending_updates()),
    }
    if webhook is not None:
        info["max_connections"] = webhook.max_connections
        if webhook.allowed_updates:
            info["allowed_updates"] = webhook.allowed_updates
        if webhook.last_error_date is not None:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
    return info


@api_method("sendMessage", sending=True)
async def send_message(api: BotApi, params: Params) -> JSON:
    chat = api.target_chat(params)
    formatted = api.formatted(params, "text")
    markup = api.markup(params)
    preview = params.obj("link_preview_options")
    if preview is not None and not isinstance(preview, dict):
        raise bad_request("can't parse link preview options JSON object")
    content: JSON = {"text": formatted.text}
    if formatted.entities:
        content["entities"] = formatted.entities
    if preview:
        content["link_preview_options"] = preview
    return api.deliver(chat, "sendMessage", params, content, formatted=formatted, markup=markup)


@api_method("sendVenue", sending=True)
async def send_venue(api: BotApi, params: Params) -> JSON:
    chat = api.target_chat(params)
    location = _location(params)
    venue: JSON = {
        "location": location,
        "title": params.required_text("title"),
        "address": params.required_text("address"),
    }
    for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if params.has(key):
            venue[key] = params.text(key)
    return api.deliver(chat, "sendVenue", params, {"venue": venue, "location": location}, markup=api.markup(params))


@api_method("sendLocation", sending=True)
async def send_location(api: BotApi, params: Params) -> JSON:
    chat = api.target_chat(params)
    location = _location(params)
    return api.deliver(chat, "sendLocation", params, {"location": location}, markup=api.markup(params))


@api_method("sendPhoto", sending=True)
async def send_photo(api: BotApi, params: Params) -> JSON:
    chat = api.target_chat(params)
    formatted = api.formatted(params, "caption", caption=True)
    markup = api.markup(params)
    photo = api.input_file(params, "photo", "photo")
    width, height = image_size(photo.data)
    content = {"photo": [{**photo.to_api(), "width": width, "height": height}], **_caption_content(formatted)}
    if params.flag("has_spoiler"):
        content["has_media_spoiler"] = True
    return api.deliver(chat, "sendPhoto", params, content, formatted=formatted, markup=markup)


@api_method("sendDocument", sending=True)
async def send_document(api: BotApi, params: Params) -> JSON:
    chat = api.target_chat(params)
    formatted = api.formatted(params, "caption", caption=True)
    markup = api.markup(params)
    document = api.input_file(params, "document", "document")
    info = {**document.to_api()}
    if document.filename:
        info["file_name"] = document.filename
    if document.mime_type:
        info["mime_type"] = document.mime_type
    return api.deliver(
        chat,
        "sendDocument",
        params,
        {"document": info, **_caption_content(formatted)},
        formatted=formatted,
        markup=markup,
    )


@api_method("copyMessage", sending=True)
async def copy_message(api: BotApi, params: Params) -> JSON:
    payload = await _forward(api, params, "copyMessage", "message to copy not found")
    return {"message_id": payload["message_id"]}


@api_method("forwardMessage", sending=True)
async def forward_message(api: BotApi, params: Params) -> JSON:
    return await _forward(api, params, "forwardMessage", "message to forward not found")


async def _forward(api: BotApi, params: Params, method: str, missing: str) -> JSON:
    chat = api.target_chat(params)
    source_chat = api.state.find_chat(params.chat_id("from_chat_id"))
    if source_chat is None:
        raise bad_request("chat not found")
    source = api.state.message(source_chat.id, params.required_integer("message_id"))
    if source is None:
        raise bad_request(missing)
    content = {key: source.payload[key] for key in _COPYABLE if key in source.payload}
    formatted = None
    if method == "copyMessage" and params.has("caption"):
        formatted = api.formatted(params, "caption", caption=True)
        content = {key: value for key, value in content.items() if key not in ("caption", "caption_entities")}
        content.update(_caption_content(formatted))
    if method == "forwardMessage":
        origin_user = source.payload.get("from", {})
        content["forward_origin"] = {"type": "user", "sender_user": origin_user, "date": source.payload["date"]}
    markup = api.markup(params) if method == "copyMessage" else None
    return api.deliver(chat, method, params, content, formatted=formatted, markup=markup)


@api_method("editMessageText")
async def edit_message_text(api: BotApi, params: Params) -> JSON:
    chat, stored = api.editable(params)
    formatted = api.formatted(params, "text")
    markup = api.markup(params)
    if markup is not None and markup.kind != "inline":
        raise bad_request("inline keyboard expected")
    if "text" not in stored.payload:
        raise bad_request("there is no text in the message to edit")
    payload = {
        key: value
        for key, value in stored.payload.items()
        if key not in ("text", "entities", "reply_markup", "edit_date")
    }
    payload["text"] = formatted.text
    if formatted.entities:
        payload["entities"] = formatted.entities
    if markup is not None and markup.api is not None:
        payload["reply_markup"] = markup.api
    _raise_if_not_modified(stored.payload, payload)
    api.admit("editMessageText", chat)
    payload["edit_date"] = api.state.now()
    api.publish_edit(stored, payload, "editMessageText", formatted=formatted, markup=markup, params=params)
    return payload


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(api: BotApi, params: Params) -> JSON:
    _, stored = api.editable(params)
    markup = api.markup(params)
    if markup is not None and markup.kind != "inline":
        raise bad_request("inline keyboard expected")
    payload = {key: value for key, value in stored.payload.items() if key not in ("reply_markup", "edit_date")}
    if markup is not None and markup.api is not None:
        payload["reply_markup"] = markup.api
    _raise_if_not_modified(stored.payload, payload)
    payload["edit_date"] = api.state.now()
    formatted = None
    if stored.sent is not None:
        formatted = Formatted(stored.sent.raw, stored.sent.parse_mode, stored.sent.text, list(stored.sent.entities))
    api.publish_edit(stored, payload, "editMessageReplyMarkup", formatted=formatted, markup=markup, params=params)
    return payload


def _raise_if_not_modified(old: JSON, new: JSON) -> None:
    keys = ("text", "entities", "caption", "caption_entities", "reply_markup")
    if all(old.get(key) == new.get(key) for key in keys):
        raise bad_request(
            "message is not modified: specified new message content and reply markup are exactly the same "
            "as a current content and reply markup of the message"
        )


@api_method("deleteMessage")
async def delete_message(api: BotApi, params: Params) -> bool:
    chat = api.target_chat(params)
    stored = api.state.message(chat.id, params.required_integer("message_id"))
    if stored is None:
        raise bad_request("message to delete not found")
    stored.deleted = True
    api.state.changed.notify()
    return True


@api_method("answerCallbackQuery")
async def answer_callback_query(api: BotApi, params: Params) -> bool:
    query = api.state.callback_queries.get(params.text("callback_query_id") or "")
    if query is None or query.answered or api.callback_query_expired(query.created_at):
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    query.answered = True
    query.answer_text = params.text("text")
    query.show_alert = params.flag("show_alert")
    query.answer_url = params.text("url")
    api.state.changed.notify()
    return True


@api_method("sendChatAction")
async def send_chat_action(api: BotApi, params: Params) -> bool:
    api.target_chat(params)
    if params.text("action") not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


@api_method("setMyCommands")
async def set_my_commands(api: BotApi, params: Params) -> bool:
    commands = params.obj("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands")
    stored: list[JSON] = []
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND_RE.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        stored.append({"command": command["command"], "description": description})
    key = _scope_key(params, api)
    if stored:
        api.state.commands[key] = stored
    else:
        api.state.commands.pop(key, None)
    return True


@api_method("getMyCommands")
async def get_my_commands(api: BotApi, params: Params) -> list[JSON]:
    return api.state.commands.get(_scope_key(params, api), [])


@api_method("deleteMyCommands")
async def delete_my_commands(api: BotApi, params: Params) -> bool:
    api.state.commands.pop(_scope_key(params, api), None)
    return True


@api_method("setChatMenuButton")
async def set_chat_menu_button(api: BotApi, params: Params) -> bool:
    chat_id = api.target_chat(params).id if params.has("chat_id") else None
    button = params.obj("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
        raise bad_request("can't parse menu button JSON object")
    if button["type"] == "web_app":
        web_app = button.get("web_app")
        url = web_app.get("url") if isinstance(web_app, dict) else None
        if not isinstance(url, str) or not url.startswith("https://") or not str(button.get("text") or "").strip():
            raise bad_request("menu button Web App URL is invalid: Only HTTPS links are allowed")
    api.state.menu_buttons[chat_id] = button
    return True


@api_method("getChatMenuButton")
async def get_chat_menu_button(api: BotApi, params: Params) -> JSON:
    chat_id = api.target_chat(params).id if params.has("chat_id") else None
    return api.state.menu_buttons.get(chat_id, api.state.menu_buttons.get(None, {"type": "default"}))


@api_method("getChat")
async def get_chat(api: BotApi, params: Params) -> JSON:
    chat = api.target_chat(params)
    return {
        **chat.to_api(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
        },
    }


@api_method("getFile")
async def get_file(api: BotApi, params: Params) -> JSON:
    stored = api.state.files.get(params.text("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return {**stored.to_api(), "file_path": stored.file_path}


def _bot_text(kind: str) -> tuple[Handler, Handler]:
    async def setter(api: BotApi, params: Params) -> bool:
        api.state.bot_texts[(kind, params.text("language_code") or "")] = params.text(kind) or ""
        return True

    async def getter(api: BotApi, params: Params) -> JSON:
        texts = api.state.bot_texts
        language = params.text("language_code") or ""
        return {kind: texts.get((kind, language), texts.get((kind, ""), api.state.bot_name if kind == "name" else ""))}

    return setter, getter


for _kind, _suffix in (("description", "Description"), ("short_description", "ShortDescription"), ("name", "Name")):
    _setter, _getter = _bot_text(_kind)
    api_method(f"setMy{_suffix}")(_setter)
    api_method(f"getMy{_suffix}")(_getter)


@api_method("close")
async def close(api: BotApi, params: Params) -> bool:
    return True


@api_method("logOut")
async def log_out(api: BotApi, params: Params) -> bool:
    return True
