"""Compound questions: "where is lunch and what's the wifi?", "makan siang di mana, terus password
wifinya apa?". The model gives one intent per message; a message that asks two things is split at
its connectors and each part is understood on its own. The conversation service answers every
part when at least two of them ask different answerable things (or one does and another is off
topic: that part goes to the helpdesk)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from nlu.text import words
from nlu.types import Entity

_LEADING = re.compile(r"^(?:and also|and then|and|also|plus|dan juga|dan|serta|terus|trus|lalu|juga)\s+", re.IGNORECASE)
MAX_PARTS = 3
MIN_WORDS = 2
_CONNECTOR = re.compile(
    r"\?+\s*|;\s*|,?\s+(?:and also|and then|as well as|and|also|plus|dan juga|dan|serta|terus|trus|lalu|sama|juga)\s+",
    re.IGNORECASE,
)


def compound_parts(text: str, entities: Sequence[Entity] = ()) -> list[str]:
    """The message's parts when it joins several questions, else []. A connector inside an entity
    ("Registration and welcome coffee", "challenges and opportunities") does not split."""
    parts, start = [], 0
    for m in _CONNECTOR.finditer(text):
        if any(e.start < m.end() and m.start() < e.end for e in entities):
            continue
        parts.append(text[start:m.start()])
        start = m.end()
    parts.append(text[start:])
    parts = [_LEADING.sub("", p.strip(" ,.!?")) for p in parts]
    parts = [p for p in parts if p]
    if len(parts) < 2 or len(parts) > MAX_PARTS or any(len(words(p)) < MIN_WORDS for p in parts):
        return []
    return parts
