"""The shape of an accreditation code: easy to read aloud and to type, hard to guess.

Twelve characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as XXXX-XXXX-XXXX:
31^12 ≈ 7·10^17 possibilities, so a hash without salt is enough to keep the codes out of the database
(a leaked table does not give working codes away) while still finding a code by its hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 12
_SEPARATORS = re.compile(r"[\s\-_.]+")
# What a typed code may look like: 12 alphabet characters, in groups or not, any case.
_TYPED = re.compile(r"^\s*(?:/verify\s+)?([0-9A-Za-z]{4}[\s\-_.]?[0-9A-Za-z]{4}[\s\-_.]?[0-9A-Za-z]{4})\s*$")


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(text: str) -> str | None:
    """The canonical 12 characters of a code as someone typed or pasted it, or None if it cannot be one."""
    raw = _SEPARATORS.sub("", text.strip()).upper()
    if len(raw) != LENGTH or not raw.isascii() or not raw.isalnum():
        return None
    return raw


def looks_like_code(text: str) -> bool:
    """True for a message that is probably a code (so it is not sent to the NLU as a question)."""
    match = _TYPED.match(text)
    if match is None:
        return False
    raw = _SEPARATORS.sub("", match.group(1)).upper()
    if re.search(r"[\s\-_.]", match.group(1)):
        return True  # typed in groups, as printed: a code, even with a typo in it
    # Run together, only what could be a code: its alphabet (no O, I, L, 0, 1) and some digits, so that
    # a 12-letter word ("PROGRAMMATIC") or "password1234" stays a question.
    return set(raw) <= set(ALPHABET) and any(c.isdigit() for c in raw)


# A code inside a sentence ("my code is 7KQ4-M9XP-AB2D"): only in its printed, hyphenated form.
_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])([0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4})(?![0-9A-Za-z-])")


def find_code(text: str) -> str | None:
    """The code a message carries: the whole message, or one printed code inside a sentence."""
    if looks_like_code(text):
        return text
    found = [m for m in _IN_TEXT.findall(text) if any(c.isdigit() for c in m)]
    return found[0] if len(found) == 1 else None


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def display(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))
