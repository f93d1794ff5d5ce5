"""A schedule export, parsed: plain typed data, independent of its format and of the database.

Every instant is an aware UTC datetime. What a parser could not use is a Problem naming where it is,
so one broken entry is reported and the rest of the programme is imported.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

FORMATS = ("frab-xml", "pretalx-json", "ics")


@dataclass(frozen=True)
class Problem:
    where: str  # "event 35 (line 34)", "days[0].rooms['Saal 1'][3]", "VEVENT 12 (line 200)"
    message: str
    # The guid and id of an entry that could not be used: its talk is kept as it was, not cancelled.
    keys: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True)
class Person:
    key: str  # the export's code or id, else the folded name: the same person across talks and exports
    name: str
    bio: str = ""


@dataclass(frozen=True)
class Link:
    url: str
    title: str = ""


@dataclass(frozen=True)
class Talk:
    title: str
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC
    where: str  # its position in the file, for messages
    guid: str | None = None
    export_id: str | None = None
    slug: str | None = None
    subtitle: str = ""
    abstract: str = ""
    description: str = ""
    type: str = ""
    language: str | None = None
    track: str | None = None
    room: str | None = None
    persons: tuple[Person, ...] = ()
    links: tuple[Link, ...] = ()
    url: str | None = None

    @property
    def identity(self) -> str:
        """Who this talk is across exports: its guid, else the export's id, else slug plus title."""
        if self.guid:
            return f"guid:{self.guid}"
        if self.export_id:
            return f"id:{self.export_id}"
        return f"slug:{self.slug or ''}:{fold(self.title)}"


@dataclass(frozen=True)
class Schedule:
    format: str
    title: str | None
    acronym: str | None
    timezone: str | None  # IANA name, when the export gives one
    talks: tuple[Talk, ...]
    problems: tuple[Problem, ...] = ()
    version: str | None = None
    base_url: str | None = None
    venue: str | None = None
    city: str | None = None
    languages: tuple[str, ...] = field(default=())


def fold(text: str) -> str:
    """Lower case without accents or punctuation (the same folding as the event's searches)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^\w]+", " ", text).strip()


def slug(text: str, max_length: int = 48) -> str:
    """An id-safe slug (letters, digits, -): "Saal 1 / Chaos-West" -> "saal-1-chaos-west"."""
    return fold(text).replace(" ", "-").replace("_", "-")[:max_length].strip("-") or "x"
