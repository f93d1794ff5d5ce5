"""Which UI language a question is written in, when the NLU model cannot understand it.

The model understands English, Indonesian and Malay (`UNDERSTOOD`). A question in Thai, Chinese,
Japanese, Korean or Vietnamese is not guessed at: the bot answers in that language that it cannot
read it and hands it to the helpdesk. Everything here runs offline (py3langid ships its model).

Scripts decide first, and exactly: Thai letters -> th, kana -> ja, hangul -> ko, Han characters
alone -> zh_Hans (kanji-only text is Japanese too; the delegate's own language settles it). Latin
text is Vietnamese only when most of its words carry non-ASCII letters (Vietnamese marks nearly
every syllable) and py3langid, restricted to languages delegates write in, says so. So short
English, Indonesian or Malay, names ("when does Nguyễn Văn An speak?"), digits and emoji are never
flagged; Vietnamese typed without its marks is not recognised and goes to the model as usual.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

UNDERSTOOD: tuple[str, ...] = ("en", "id", "ms")
"""The languages the NLU model is trained on, in the order the bot names them."""

CJK_WEIGHT = 2
"""A Han, kana or hangul character weighs as much as two Latin letters (it is a syllable or a word),
so "wifi パスワード" is Japanese and "Retno Marsudi 会場" is not."""

LATIN_CANDIDATES = ("en", "id", "ms", "vi", "tl", "fr", "es", "pt", "de", "nl", "it")
"""What py3langid chooses among for Latin text: the understood languages, Vietnamese and the
Latin-script languages whose accents it could be mistaken for."""

MIN_CONFIDENCE = 0.9
_WORD = re.compile(r"[^\W\d_]+")


def unsupported_language(text: str, delegate_language: str | None = None) -> str | None:
    """The UI language (th, zh_Hans, ja, ko, vi) of a question the model cannot understand, or None
    when the model should read it (understood languages, Latin text it might read, no letters)."""
    text = unicodedata.normalize("NFC", text)
    return _by_script(text, delegate_language) or _vietnamese(text)


def _script(char: str) -> str | None:
    code = ord(char)
    if 0x0E00 <= code <= 0x0E7F:
        return "thai"
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9D:
        return "kana"
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FA1F:
        return "han"
    if char.isascii() or "LATIN" in unicodedata.name(char, ""):
        return "latin"
    return None


def _by_script(text: str, delegate_language: str | None) -> str | None:
    weights: Counter[str] = Counter()
    for char in text:
        if unicodedata.category(char).startswith("L") and (script := _script(char)):
            weights[script] += 1 if script in ("latin", "thai") else CJK_WEIGHT
    foreign = weights["thai"] + weights["kana"] + weights["hangul"] + weights["han"]
    if foreign < 2 or foreign < weights["latin"]:
        return None
    if weights["thai"] >= max(weights["kana"] + weights["han"], weights["hangul"]):
        return "th"
    if weights["hangul"] >= weights["kana"] + weights["han"]:
        return "ko"
    if weights["kana"] or delegate_language == "ja":
        return "ja"
    return "zh_Hans"


def _vietnamese(text: str) -> str | None:
    words = _WORD.findall(text)
    marked = [w for w in words if not w.isascii()]
    if not words or len(marked) * 2 < len(words):
        return None
    language, confidence = _identifier().classify(text)
    return "vi" if language == "vi" and confidence >= MIN_CONFIDENCE else None


@cache
def _identifier() -> LanguageIdentifier:
    """py3langid's bundled model (loaded once, about 0.1 s), choosing among LATIN_CANDIDATES."""
    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LATIN_CANDIDATES))
    return identifier
