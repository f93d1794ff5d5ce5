"""What the assistant says, independent of Telegram: text (a safe HTML subset), buttons, a pin.

Every value taken from the event file or from a person is escaped by whoever builds the text;
`b()` and `esc()` are the only ways in.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field

MAX_CALLBACK_BYTES = 64


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


def b(value: object) -> str:
    return f"<b>{esc(value)}</b>"


def callback(kind: str, arg: str = "") -> str:
    """Callback data within Telegram's 64 bytes; long arguments become a short digest."""
    data = f"{kind}:{arg}"
    if len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES:
        return data
    return f"{kind}:#{digest(arg)}"


def digest(arg: str) -> str:
    return hashlib.sha1(arg.encode("utf-8")).hexdigest()[:16]


def resolve_arg(arg: str, candidates: list[str]) -> str | None:
    """The id a callback argument names (directly or by digest), or None when it names nothing."""
    if arg.startswith("#"):
        return next((c for c in candidates if digest(c) == arg[1:]), None)
    return arg if arg in candidates else None


@dataclass(frozen=True)
class Button:
    text: str
    data: str | None = None  # callback data
    url: str | None = None
    web_app: str | None = None  # an https URL Telegram opens as a Mini App inside the chat


@dataclass(frozen=True)
class VenuePin:
    latitude: float
    longitude: float
    title: str
    address: str


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"
    caption: str = ""


@dataclass(frozen=True)
class Media:
    """A photo or document already on Telegram's servers, sent again by its file_id (no upload):
    what an organiser attaches to a broadcast. The caption is safe HTML, at most 1024 characters."""

    kind: str  # "photo" or "document"
    file_id: str
    caption: str = ""


@dataclass(frozen=True)
class Reply:
    text: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    venue: VenuePin | None = None
    document: Document | None = None
    media: Media | None = None


@dataclass(frozen=True)
class Answer:
    """One or more messages, plus what the conversation layer must do besides sending them."""

    messages: tuple[Reply, ...]
    handoff: str | None = None  # why the question goes to the helpdesk (low_confidence, out_of_scope, ...)
    topic: str | None = None  # what was answered (intent or FAQ id), for analytics
    set_language: str | None = None
    remind_session_ids: tuple[str, ...] = ()
    remind_day_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    turn_id: int | None = None  # the conversation turn it answers (set once recorded), for buttons about the question

    @classmethod
    def of(cls, *messages: Reply, **kwargs: object) -> Answer:
        return cls(messages=tuple(messages), **kwargs)  # type: ignore[arg-type]


def rows(buttons: list[Button], per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
