"""Bot API call parameters, read the way Telegram reads them.

Parameters come in the query string, a JSON body, an urlencoded form or multipart form data (PTB
sends forms: strings as they are, everything else JSON-encoded, files as multipart parts). A form
value is always a string, so each parameter is converted when it is read, by what the method expects:
`text("text")` keeps "123" a string while `integer("chat_id")` makes it 123.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

#: Parameters that are JSON objects or arrays (JSON-encoded strings in form data).
OBJECT_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "reply_parameters",
        "link_preview_options",
        "commands",
        "scope",
        "menu_button",
        "allowed_updates",
        "media",
    }
)
INTEGER_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "offset",
        "limit",
        "reply_to_message_id",
        "max_connections",
        "message_thread_id",
        "cache_time",
        "live_period",
    }
)
FLAG_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "has_spoiler",
        "disable_content_type_detection",
    }
)


class ParamError(ValueError):
    """str(error) is the whole Telegram description ("Bad Request: ...")."""


@dataclass(frozen=True)
class Upload:
    """A file sent as a multipart part."""

    filename: str | None
    mime_type: str | None
    data: bytes


class Params:
    def __init__(self, values: dict[str, Any] | None = None, uploads: dict[str, Upload] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self.uploads: dict[str, Upload] = dict(uploads or {})

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        values: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as error:
                    raise ParamError("Bad Request: can't parse JSON request body") from error
                if not isinstance(body, dict):
                    raise ParamError("Bad Request: the JSON request body must be an object")
                values.update(body)
            elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        with value.file:
                            uploads[key] = Upload(value.filename, value.content_type, value.file.read())
                    else:
                        values[key] = value
        return cls(values, uploads)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "") or name in self.uploads

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else str(value)

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if not value:
            raise ParamError(f"Bad Request: {name} is empty")
        return value

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as error:
            raise ParamError(f"Bad Request: invalid {name} specified") from error

    def required_integer(self, name: str) -> int:
        value = self.integer(name)
        if value is None:
            raise ParamError(f"Bad Request: {name} is empty")
        return value

    def seconds(self, name: str, default: float = 0.0) -> float:
        """A duration in seconds (PTB sends whole seconds as "10", fractions as "0.5")."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError) as error:
            raise ParamError(f"Bad Request: invalid {name} specified") from error

    def number(self, name: str) -> float:
        value = self.values.get(name)
        if value is None or value == "":
            raise ParamError(f"Bad Request: {name} is empty")
        try:
            return float(value)
        except (TypeError, ValueError) as error:
            raise ParamError(f"Bad Request: invalid {name} specified") from error

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def obj(self, name: str) -> Any:
        """A JSON object or array parameter, decoded if it came as a string."""
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError as error:
                if name == "reply_markup":
                    raise ParamError("Bad Request: can't parse reply keyboard markup JSON object") from error
                raise ParamError(f"Bad Request: can't parse {name} JSON object") from error
        return value

    def chat_id(self, name: str = "chat_id") -> int | str:
        """An integer id, or "@username"."""
        value = self.values.get(name)
        if value is None or value == "":
            raise ParamError(f"Bad Request: {name} is empty")
        if isinstance(value, str) and value.startswith("@"):
            return value
        try:
            return int(value)
        except (TypeError, ValueError) as error:
            raise ParamError("Bad Request: chat not found") from error

    def file(self, name: str) -> Upload | str | None:
        """The uploaded file (directly, or by "attach://part"), or a file_id / URL string."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.text(name)
        if value and value.startswith("attach://"):
            part = value.removeprefix("attach://")
            if part not in self.uploads:
                raise ParamError(f"Bad Request: file {part} not found in the request")
            return self.uploads[part]
        return value or None

    def chat_id_for_record(self) -> int | str | None:
        try:
            return self.chat_id() if self.has("chat_id") else None
        except ParamError:
            return self.text("chat_id")

    def record(self) -> dict[str, Any]:
        """The parameters as the call record keeps them: typed where the name says so, files summarised."""
        recorded: dict[str, Any] = {}
        for name in self.values:
            try:
                if name in OBJECT_PARAMS:
                    recorded[name] = self.obj(name)
                elif name in INTEGER_PARAMS and not str(self.values[name]).startswith("@"):
                    recorded[name] = self.integer(name)
                elif name in FLAG_PARAMS:
                    recorded[name] = self.flag(name)
                else:
                    recorded[name] = self.values[name]
            except ParamError:
                recorded[name] = self.values[name]
        for name, upload in self.uploads.items():
            recorded[name] = {"filename": upload.filename, "mime_type": upload.mime_type, "size": len(upload.data)}
        return recorded
