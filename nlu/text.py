"""Cleaning a chat message before the model sees it.

Telegram delivers anything: control characters, bidi overrides, 4096-character pastes, emoji-only
replies, other scripts. The model was trained on short Latin-script chat messages (English,
Indonesian, Malay), so what it cannot read is answered with a fallback without calling it, and
everything else is normalised the same way in process and over HTTP.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 500
"""Longer messages are cut at a word boundary: delegates' questions are short, pastes are not."""

_SPACES = re.compile(r"\s+")


def sanitise(text: str) -> str:
    """Control and format characters become spaces, white space collapses, long text is cut.

    A leading "/" is dropped: Rasa reads "/intent{...}" as an intent given directly, which a
    delegate must not be able to trigger ("/help" is still understood as help).
    """
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    text = _SPACES.sub(" ", text).strip().lstrip("/").strip()
    if len(text) > MAX_CHARS:
        cut = text.rfind(" ", 0, MAX_CHARS + 1)
        text = text[: cut if cut > MAX_CHARS // 2 else MAX_CHARS].rstrip()
    return text


def is_readable(text: str) -> bool:
    """True when the text holds at least one Latin letter, the only script the model was trained on.

    Emoji, digits and punctuation alone, or text only in Cyrillic, Thai or CJK, get a fallback
    (the helpdesk answers) rather than a guess.
    """
    return any(_is_latin_letter(c) for c in text)


def _is_latin_letter(char: str) -> bool:
    if not unicodedata.category(char).startswith("L"):
        return False
    return char.isascii() or "LATIN" in unicodedata.name(char, "")
