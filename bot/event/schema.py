"""The event file, validated: plain typed data, independent of the database and of YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

Text = dict[str, str]
TextList = dict[str, list[str]]

SESSION_KINDS = ("ceremony", "session", "panel", "break", "meal", "social", "exhibition", "registration", "other")
SPEAKER_KINDS = ("person", "organisation")
FAQ_TOPICS = ("wifi", "dress_code", "meals", "registration", "transport", "airport", "contact", "accommodation", "other")
PLACE_CATEGORIES = (
    "atm", "money_changer", "pharmacy", "clinic", "prayer_room", "restaurant", "cafe", "convenience_store",
    "shopping", "transit", "other",
)


@dataclass(frozen=True)
class EventInfo:
    id: str
    name: Text
    short_name: Text
    host: Text
    organiser: Text
    description: Text
    outcomes: Text
    timezone: str
    languages: list[str]
    default_language: str
    website: str | None = None
    hashtag: str | None = None


@dataclass(frozen=True)
class VenueInfo:
    name: Text
    address: Text
    latitude: float
    longitude: float
    directions: Text
    transport: Text
    google_place_id: str | None = None


@dataclass(frozen=True)
class RoomInfo:
    id: str
    name: Text
    floor: Text | None = None
    description: Text | None = None


@dataclass(frozen=True)
class DayInfo:
    id: str
    date: date
    label: Text


@dataclass(frozen=True)
class SessionInfo:
    id: str
    title: Text
    kind: str
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC
    day_id: str
    room_id: str | None
    description: Text = field(default_factory=dict)
    number: int | None = None
    label: Text | None = None
    topics: TextList = field(default_factory=dict)
    speaker_ids: list[str] = field(default_factory=list)
    public: bool = True


@dataclass(frozen=True)
class SpeakerInfo:
    id: str
    name: str
    kind: str = "person"
    aliases: list[str] = field(default_factory=list)
    title: Text = field(default_factory=dict)
    organisation: Text = field(default_factory=dict)
    bio: Text = field(default_factory=dict)


@dataclass(frozen=True)
class DelegationInfo:
    id: str
    name: Text
    group: str | None = None


@dataclass(frozen=True)
class ExhibitorInfo:
    id: str
    name: str
    description: Text = field(default_factory=dict)
    booth: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class FaqInfo:
    id: str
    topic: str
    question: Text
    answer: Text
    keywords: TextList = field(default_factory=dict)
    verified_answer: Text | None = None  # shown only to verified (accredited) delegates
    paraphrases: TextList = field(default_factory=dict)  # training data only (nlu.generate), never stored


@dataclass(frozen=True)
class PlaceInfo:
    """A point of interest near the venue (ATM, pharmacy, prayer room...), for "is there an ATM nearby?"."""

    id: str
    name: Text
    category: str
    latitude: float
    longitude: float
    address: Text = field(default_factory=dict)
    note: Text = field(default_factory=dict)
    keywords: TextList = field(default_factory=dict)


@dataclass(frozen=True)
class EventData:
    event: EventInfo
    venue: VenueInfo
    rooms: list[RoomInfo]
    days: list[DayInfo]
    sessions: list[SessionInfo]
    speakers: list[SpeakerInfo]
    delegations: list[DelegationInfo]
    exhibitors: list[ExhibitorInfo]
    faq: list[FaqInfo]
    exhibition: dict[str, Any] | None
    source_hash: str
    places: list[PlaceInfo] = field(default_factory=list)
    # {imported session id: {title|label|description: Text, topics: TextList, public: bool}}
    session_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
