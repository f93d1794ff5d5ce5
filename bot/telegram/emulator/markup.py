"""reply_markup as Telegram validates it: inline keyboards, reply keyboards, keyboard removal, force reply."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# One of these must accompany the text of an inline button.
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "web_app",
    "login_url",
    "callback_game",
    "pay",
    "copy_text",
)
_URL_SCHEMES = ("http://", "https://", "tg://")


class MarkupError(ValueError):
    """str(error) is the whole Telegram description, e.g. "Bad Request: BUTTON_DATA_INVALID"."""


@dataclass(frozen=True)
class Button:
    """An inline button as the delegate sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    web_app: str | None = None  # the Mini App's URL

    def to_dict(self) -> dict[str, object]:
        values: dict[str, object] = {
            key: value
            for key, value in (("text", self.text), ("callback_data", self.callback_data), ("url", self.url))
            if value is not None
        }
        if self.web_app is not None:
            values["web_app"] = {"url": self.web_app}
        return values


@dataclass(frozen=True)
class Markup:
    """A validated reply_markup. `api` is what the Message object echoes (inline keyboards only)."""

    kind: str  # "inline", "keyboard", "remove", "force_reply"
    raw: dict[str, Any]
    buttons: tuple[tuple[Button, ...], ...] = ()
    keyboard: tuple[tuple[str, ...], ...] = ()
    api: dict[str, Any] | None = field(default=None)


def parse_reply_markup(markup: object, *, max_callback_data: int = 64, max_buttons: int = 100) -> Markup | None:
    """Validate a decoded reply_markup; raises MarkupError with Telegram's description."""
    if markup is None or markup == {}:
        return None
    if not isinstance(markup, dict):
        raise MarkupError("Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        return _inline(markup, max_callback_data, max_buttons)
    if "keyboard" in markup:
        return _keyboard(markup, max_buttons)
    if markup.get("remove_keyboard") is True:
        return Markup("remove", markup)
    if markup.get("force_reply") is True:
        return Markup("force_reply", markup)
    raise MarkupError("Bad Request: can't parse reply keyboard markup JSON object")


def _rows(markup: dict[str, Any], key: str, max_buttons: int) -> list[list[Any]]:
    rows = markup[key]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise MarkupError(
            f'Bad Request: can\'t parse reply keyboard markup JSON object: field "{key}" must be an Array of Arrays'
        )
    if sum(len(row) for row in rows) > max_buttons:
        raise MarkupError("Bad Request: reply markup is too long")
    return rows


def _inline(markup: dict[str, Any], max_callback_data: int, max_buttons: int) -> Markup:
    rows = _rows(markup, "inline_keyboard", max_buttons)
    parsed_rows: list[tuple[Button, ...]] = []
    api_rows: list[list[dict[str, Any]]] = []
    for row in rows:
        parsed: list[Button] = []
        api_row: list[dict[str, Any]] = []
        for button in row:
            parsed.append(_inline_button(button, max_callback_data))
            api_row.append({key: value for key, value in button.items() if key == "text" or key in _INLINE_ACTIONS})
        parsed_rows.append(tuple(parsed))
        api_rows.append(api_row)
    api = {"inline_keyboard": api_rows} if any(api_rows) else None
    return Markup("inline", markup, buttons=tuple(parsed_rows), api=api)


def _inline_button(button: object, max_callback_data: int) -> Button:
    if not isinstance(button, dict):
        raise MarkupError("Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise MarkupError('Bad Request: can\'t parse inline keyboard button: Field "text" must be of type String')
    if not text.strip():
        raise MarkupError("Bad Request: BUTTON_TEXT_EMPTY")
    actions = [key for key in _INLINE_ACTIONS if key in button]
    if not actions:
        raise MarkupError(
            "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise MarkupError(
            f"Bad Request: can't parse inline keyboard button: exactly one of {', '.join(actions)} must be used"
        )
    data = button.get("callback_data")
    valid_data = isinstance(data, str) and 1 <= len(data.encode("utf-8")) <= max_callback_data
    if "callback_data" in button and not valid_data:
        raise MarkupError("Bad Request: BUTTON_DATA_INVALID")
    url = button.get("url")
    if "url" in button and (not isinstance(url, str) or not url.startswith(_URL_SCHEMES) or " " in url):
        raise MarkupError("Bad Request: BUTTON_URL_INVALID")
    web_app = button.get("web_app")
    if "web_app" in button:
        web_app_url = web_app.get("url") if isinstance(web_app, dict) else None
        if not isinstance(web_app_url, str) or not web_app_url.startswith("https://"):
            raise MarkupError(f"Bad Request: inline keyboard button Web App URL '{web_app_url}' is invalid: Only HTTPS links are allowed")
        return Button(text=text, web_app=web_app_url)
    return Button(text=text, callback_data=data, url=url)


def _keyboard(markup: dict[str, Any], max_buttons: int) -> Markup:
    rows = _rows(markup, "keyboard", max_buttons)
    texts: list[tuple[str, ...]] = []
    for row in rows:
        row_texts: list[str] = []
        for button in row:
            text = button if isinstance(button, str) else button.get("text") if isinstance(button, dict) else None
            if not isinstance(text, str):
                raise MarkupError('Bad Request: can\'t parse keyboard button: Field "text" must be of type String')
            if not text.strip():
                raise MarkupError("Bad Request: BUTTON_TEXT_EMPTY")
            row_texts.append(text)
        texts.append(tuple(row_texts))
    if not any(texts):
        raise MarkupError("Bad Request: keyboard must be non-empty")
    return Markup("keyboard", markup, keyboard=tuple(texts))
