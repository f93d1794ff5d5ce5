"""Text formatting as Telegram understands it: parse_mode source -> (visible text, entities) and back.

Telegram measures a message's length and entity offsets on the visible text (tags removed, HTML
entities decoded); offsets and lengths are in UTF-16 code units. Parsing is strict where Telegram's
documentation is: unknown or unbalanced tags, a bare `<` or `&` in HTML, an unescaped reserved
character in MarkdownV2 all fail with "can't parse entities", which the server turns into HTTP 400.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

Entity = dict[str, Any]


class EntityParseError(ValueError):
    """The text does not parse in its parse_mode; str(error) is Telegram's detail message."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


@dataclass
class _Open:
    tag: str
    offset: int  # UTF-16 offset in the visible text
    attrs: dict[str, str]
    source_index: int


class _Visible:
    """The visible text being built, with its length in UTF-16 units."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def text(self) -> str:
        return "".join(self.parts)


# ---------------------------------------------------------------------------------------------- HTML

_HTML_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_TAG_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR_RE = re.compile(r"""\s*([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")


def _decode_entity(source: str, index: int) -> tuple[str, int]:
    """The character an HTML entity at `index` stands for, and the index after it."""
    match = _ENTITY_RE.match(source, index)
    if match:
        decimal, hexadecimal, name = match.groups()
        if name is None:
            code = int(decimal) if decimal is not None else int(hexadecimal, 16)
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), match.end()
        elif name in _NAMED_ENTITIES:
            return _NAMED_ENTITIES[name], match.end()
    raise EntityParseError(
        f"Character '&' at byte offset {_byte_offset(source, index)} is not a part of a supported HTML entity; "
        "escape it as &amp;"
    )


def _decode_attribute(value: str) -> str:
    return html.unescape(value)


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Telegram's HTML parse_mode: visible text and its entities."""
    visible = _Visible()
    stack: list[_Open] = []
    entities: list[Entity] = []
    i = 0
    plain_start = 0
    n = len(source)
    while i < n:
        char = source[i]
        if char not in "<&":
            i += 1
            continue
        visible.add(source[plain_start:i])
        if char == "&":
            decoded, i = _decode_entity(source, i)
            visible.add(decoded)
        elif source.startswith("</", i):
            i = _close_tag(source, i, stack, entities, visible.length)
        else:
            i = _open_tag(source, i, stack, visible.length)
        plain_start = i
    visible.add(source[plain_start:])
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return visible.text(), sort_entities(entities)


def _open_tag(source: str, i: int, stack: list[_Open], offset: int) -> int:
    name_match = _TAG_NAME_RE.match(source, i + 1)
    if not name_match:
        raise EntityParseError(
            f"Unexpected character '<' at byte offset {_byte_offset(source, i)}: escape it as &lt; "
            "or start a supported tag"
        )
    tag = name_match.group(0).lower()
    if tag not in _HTML_TAG_ENTITY:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(source, i)}')
    j = name_match.end()
    attrs: dict[str, str] = {}
    while True:
        while j < len(source) and source[j].isspace():
            j += 1
        if j >= len(source):
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, i)}")
        if source[j] == ">":
            break
        attr = _ATTR_RE.match(source, j)
        if not attr or attr.end() == j:
            raise EntityParseError(
                f'Unexpected character in start tag "{tag}" at byte offset {_byte_offset(source, j)}'
            )
        value = next((group for group in attr.groups()[1:] if group is not None), "")
        attrs[attr.group(1).lower()] = _decode_attribute(value)
        j = attr.end()
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError('Tag "span" must have class "tg-spoiler"')
    if tag == "tg-emoji" and not attrs.get("emoji-id"):
        raise EntityParseError('Tag "tg-emoji" must have attribute "emoji-id"')
    stack.append(_Open(tag, offset, attrs, i))
    return j + 1


def _close_tag(source: str, i: int, stack: list[_Open], entities: list[Entity], offset: int) -> int:
    end = source.find(">", i)
    if end < 0:
        raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(source, i)}")
    tag = source[i + 2 : end].strip().lower()
    if not stack:
        raise EntityParseError(f'Unexpected end tag "{tag}" at byte offset {_byte_offset(source, i)}')
    opened = stack.pop()
    if tag != opened.tag:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {_byte_offset(source, i)}, expected "</{opened.tag}>", found "</{tag}>"'
        )
    entity = _entity_for(opened, offset)
    if entity is not None:
        parent = stack[-1] if stack else None
        if opened.tag == "code" and parent is not None and parent.tag == "pre" and parent.offset == opened.offset:
            language = opened.attrs.get("class", "")
            if language.startswith("language-"):
                parent.attrs["language"] = language.removeprefix("language-")
                return end + 1
        entities.append(entity)
    return end + 1


def _entity_for(opened: _Open, end_offset: int) -> Entity | None:
    length = end_offset - opened.offset
    if length <= 0:
        return None
    kind = _HTML_TAG_ENTITY[opened.tag]
    entity: Entity = {"type": kind, "offset": opened.offset, "length": length}
    if kind == "text_link":
        url = opened.attrs.get("href", "")
        if not url:
            return None
        user = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if user:
            entity = {
                "type": "text_mention",
                "offset": opened.offset,
                "length": length,
                "user": {"id": int(user.group(1)), "is_bot": False, "first_name": ""},
            }
        else:
            entity["url"] = url
    elif kind == "pre" and opened.attrs.get("language"):
        entity["language"] = opened.attrs["language"]
    elif kind == "blockquote" and "expandable" in opened.attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = opened.attrs["emoji-id"]
    return entity


# -------------------------------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_SIMPLE = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    """Telegram's MarkdownV2: every reserved character outside an entity must be escaped with '\\'."""
    visible = _Visible()
    stack: list[tuple[str, int, int]] = []  # (marker, visible offset, source index)
    entities: list[Entity] = []
    i, n = 0, len(source)
    at_line_start = True
    quote_start: int | None = None
    while i < n:
        char = source[i]
        if at_line_start:
            at_line_start = False
            if char == ">" and not stack:
                if quote_start is None:
                    quote_start = visible.length
                i += 1
                continue
            if quote_start is not None:
                _close_quote(entities, quote_start, visible.length - 1)  # the newline is not quoted
                quote_start = None
        if char == "\\":
            if i + 1 >= n or not 0 < ord(source[i + 1]) < 127:
                raise EntityParseError(
                    f"Character '\\' at byte offset {_byte_offset(source, i)} must be followed by an ASCII character"
                )
            visible.add(source[i + 1])
            i += 2
            continue
        if char == "\n":
            at_line_start = True
            visible.add(char)
            i += 1
            continue
        if char == "`":
            i = _markdown_code(source, i, visible, entities)
            continue
        marker = "__" if source.startswith("__", i) else "||" if source.startswith("||", i) else char
        if marker in _MDV2_SIMPLE:
            if stack and stack[-1][0] == marker:
                _, offset, _ = stack.pop()
                if visible.length > offset:
                    entities.append({"type": _MDV2_SIMPLE[marker], "offset": offset, "length": visible.length - offset})
            else:
                stack.append((marker, visible.length, i))
            i += len(marker)
            continue
        if char == "[":
            stack.append(("[", visible.length, i))
            i += 1
            continue
        if char == "]" and stack and stack[-1][0] == "[":
            _, offset, _ = stack.pop()
            i = _markdown_link_url(source, i + 1, offset, visible.length, entities, strict=True)
            continue
        if char in _MDV2_RESERVED:
            raise EntityParseError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        visible.add(char)
        i += 1
    if stack:
        marker, _, index = stack[-1]
        kind = "text_link" if marker == "[" else _MDV2_SIMPLE[marker]
        raise EntityParseError(f"Can't find end of {kind} entity at byte offset {_byte_offset(source, index)}")
    if quote_start is not None:
        _close_quote(entities, quote_start, visible.length)
    return visible.text(), sort_entities(entities)


def _close_quote(entities: list[Entity], start: int, end: int) -> None:
    if end > start:
        entities.append({"type": "blockquote", "offset": start, "length": end - start})


def _markdown_code(source: str, i: int, visible: _Visible, entities: list[Entity]) -> int:
    """`code` or ```language\\npre```; inside, only '\\' escapes and the closing backticks count."""
    fence = "```" if source.startswith("```", i) else "`"
    j = i + len(fence)
    language = ""
    if fence == "```":
        newline = source.find("\n", j)
        first_line = source[j:newline] if newline >= 0 else ""
        if newline >= 0 and re.fullmatch(r"[A-Za-z0-9_+#.-]*", first_line):
            language, j = first_line, newline + 1
    start = visible.length
    while j < len(source):
        if source[j] == "\\" and j + 1 < len(source):
            visible.add(source[j + 1])
            j += 2
            continue
        if source.startswith(fence, j):
            length = visible.length - start
            if length > 0:
                entity: Entity = {"type": "pre" if fence == "```" else "code", "offset": start, "length": length}
                if language:
                    entity["language"] = language
                entities.append(entity)
            return j + len(fence)
        visible.add(source[j])
        j += 1
    kind = "pre" if fence == "```" else "code"
    raise EntityParseError(f"Can't find end of {kind} entity at byte offset {_byte_offset(source, i)}")


def _markdown_link_url(source: str, i: int, start: int, end: int, entities: list[Entity], strict: bool) -> int:
    if not source.startswith("(", i):
        return i  # "[text]" without a URL is plain text
    close = i + 1
    url_chars: list[str] = []
    while close < len(source) and source[close] != ")":
        if strict and source[close] == "\\" and close + 1 < len(source):
            url_chars.append(source[close + 1])
            close += 2
            continue
        url_chars.append(source[close])
        close += 1
    if close >= len(source):
        raise EntityParseError(f"Can't find end of a URL at byte offset {_byte_offset(source, i)}")
    if end > start:
        entities.append({"type": "text_link", "offset": start, "length": end - start, "url": "".join(url_chars)})
    return close + 1


# ------------------------------------------------------------------------------- Markdown (legacy)

_LEGACY = {"*": "bold", "_": "italic"}


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """The legacy Markdown parse_mode: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    visible = _Visible()
    entities: list[Entity] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char in _LEGACY:
            end = source.find(char, i + 1)
            if end < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(source, i)}"
                )
            start = visible.length
            visible.add(source[i + 1 : end])
            if visible.length > start:
                entities.append({"type": _LEGACY[char], "offset": start, "length": visible.length - start})
            i = end + 1
        elif char == "`":
            i = _markdown_code(source, i, visible, entities)
        elif char == "[":
            end = source.find("]", i + 1)
            if end < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(source, i)}"
                )
            start = visible.length
            visible.add(source[i + 1 : end])
            i = _markdown_link_url(source, end + 1, start, visible.length, entities, strict=False)
        else:
            visible.add(char)
            i += 1
    return visible.text(), sort_entities(entities)


# ------------------------------------------------------------------------------------------ common

_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def parse_mode_known(parse_mode: str | None) -> bool:
    return not parse_mode or parse_mode.lower() in _PARSERS


def parse_text(source: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Visible text and entities of `source` sent with `parse_mode` (None or "": plain text)."""
    if not parse_mode:
        return source, []
    return _PARSERS[parse_mode.lower()](source)


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """Telegram's order: by offset, the enclosing (longer) entity first."""
    return sorted(entities, key=lambda e: (int(e["offset"]), -int(e["length"])))


def strip_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Telegram trims leading and trailing whitespace of a message and shortens entities to match."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    end = lead + utf16_len(stripped)
    kept: list[Entity] = []
    for entity in entities:
        start = max(int(entity["offset"]), lead)
        stop = min(int(entity["offset"]) + int(entity["length"]), end)
        if stop > start:
            kept.append({**entity, "offset": start - lead, "length": stop - start})
    return stripped, kept


_HTML_OPEN = {
    "bold": "<b>",
    "italic": "<i>",
    "underline": "<u>",
    "strikethrough": "<s>",
    "spoiler": "<tg-spoiler>",
    "code": "<code>",
    "blockquote": "<blockquote>",
    "expandable_blockquote": "<blockquote expandable>",
}
_HTML_CLOSE = {
    "bold": "</b>",
    "italic": "</i>",
    "underline": "</u>",
    "strikethrough": "</s>",
    "spoiler": "</tg-spoiler>",
    "code": "</code>",
    "pre": "</pre>",
    "text_link": "</a>",
    "text_mention": "</a>",
    "blockquote": "</blockquote>",
    "expandable_blockquote": "</blockquote>",
    "custom_emoji": "</tg-emoji>",
}


def _open_html(entity: Entity) -> str:
    kind = str(entity["type"])
    if kind == "text_link":
        return f'<a href="{html.escape(str(entity.get("url", "")))}">'
    if kind == "text_mention":
        user = entity.get("user") or {}
        return f'<a href="tg://user?id={user.get("id", "")}">'
    if kind == "pre":
        language = entity.get("language")
        return f'<pre><code class="language-{html.escape(str(language))}">' if language else "<pre>"
    if kind == "custom_emoji":
        return f'<tg-emoji emoji-id="{html.escape(str(entity.get("custom_emoji_id", "")))}">'
    return _HTML_OPEN.get(kind, "")


def _close_html(entity: Entity) -> str:
    if entity["type"] == "pre" and entity.get("language"):
        return "</code></pre>"
    return _HTML_CLOSE.get(str(entity["type"]), "")


def render_html(text: str, entities: list[Entity] | None) -> str:
    """The canonical Telegram HTML for visible `text` with `entities` (e.g. to compare replies)."""
    entities = sort_entities([e for e in entities or [] if _open_html(e) or _close_html(e)])
    opens: dict[int, list[Entity]] = {}
    closes: dict[int, list[Entity]] = {}
    for entity in entities:
        start = int(entity["offset"])
        opens.setdefault(start, []).append(entity)
        closes.setdefault(start + int(entity["length"]), []).insert(0, entity)
    out: list[str] = []
    position = 0
    for char in text:
        out.extend(_close_html(e) for e in closes.pop(position, []))
        out.extend(_open_html(e) for e in opens.pop(position, []))
        out.append(html.escape(char, quote=False))
        position += utf16_len(char)
    out.extend(_close_html(e) for e in closes.pop(position, []))
    return "".join(out)


# ------------------------------------------------------------------ entities in what people type

_AUTO_ENTITIES = re.compile(
    r"(?P<bot_command>(?<![^\s(])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@/]))"
    r"|(?P<email>(?<![\w.@])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
    r"|(?P<mention>(?<![\w@])@[A-Za-z0-9_]{4,32}(?![\w@]))"
    r"|(?P<hashtag>(?<![\w#])#\w*[^\W\d]\w*)"
    r"|(?P<url>(?<![\w@])(?:https?://)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d+)?(?:/[^\s]*)?(?<![.,;:!?)]))"
)


def detect_entities(text: str) -> list[Entity]:
    """The entities Telegram's clients mark in a typed message: commands, mentions, hashtags, links, emails."""
    entities: list[Entity] = []
    for match in _AUTO_ENTITIES.finditer(text):
        kind = match.lastgroup or ""
        if (
            kind == "url"
            and "://" not in match.group(0)
            and not re.search(r"\.(com|org|net|id|io|co|info|gov|edu|app|dev|me)\b", match.group(0), re.IGNORECASE)
        ):
            continue  # "venue.di" is not a link; Telegram also checks the top-level domain
        entities.append({"type": kind, "offset": utf16_len(text[: match.start()]), "length": utf16_len(match.group(0))})
    return entities
