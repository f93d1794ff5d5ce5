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


_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_SUFFIXES = ("nya", "lah", "kah", "pun")  # Indonesian and Malay clitics: "musholanya" is "musholla" + -nya


def words(text: str) -> list[str]:
    """The message's words, lower case, punctuation dropped ("what's" and "start-up" stay whole):
    what the intent classifier and the domain check see."""
    return _WORD.findall(text.casefold())


def stem(word: str) -> str:
    """A crude stem for the domain check only: Indonesian clitics and English plural endings off,
    so that "organizers", "jadwalnya" and "sessions" count as known when their stem is."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    word = word.removesuffix("'s").removesuffix("’s")
    if word.endswith("es") and len(word) > 5:
        return word[:-2]
    if word.endswith("s") and len(word) > 4 and not word.endswith("ss"):
        return word[:-1]
    return word
