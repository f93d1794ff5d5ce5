"""Places near the venue: validated in the event file, recognised in what delegates ask, ordered by
distance from the venue."""

from __future__ import annotations

import pytest

from bot.answers.places import category_in, closest, nearby_answer
from bot.event.loader import EventFileError, parse_event
from bot.event.service import EventService
from bot.i18n import Translator
from tests.event.minimal import MINIMAL_EVENT

PLACES = """
places:
  - id: far-atm
    name: Far ATM
    category: atm
    latitude: -6.2100
    longitude: 106.8000
  - id: near-atm
    name: {en: Near ATM, id: ATM dekat}
    category: atm
    latitude: -6.2010
    longitude: 106.8000
    note: {en: In the lobby., id: Di lobi.}
  - id: mosque
    name: Mosque
    category: prayer_room
    latitude: -6.2050
    longitude: 106.8010
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(EventFileError) as error:
        parse_event(text)
    return [str(p) for p in error.value.problems]


def test_places_are_read_with_their_translations() -> None:
    data = parse_event(MINIMAL_EVENT + PLACES)

    assert [p.id for p in data.places] == ["far-atm", "near-atm", "mosque"]
    assert data.places[1].name == {"en": "Near ATM", "id": "ATM dekat"}


def test_a_place_with_an_unknown_category_names_the_field_and_line() -> None:
    text = MINIMAL_EVENT + PLACES.replace("category: prayer_room", "category: spa")

    [problem] = problems_of(text)

    assert problem.startswith("places[2].category: 'spa' is not one of: atm, money_changer")
    assert f"(line {text.splitlines().index('    category: spa') + 1})" in problem


def test_a_place_far_from_the_venue_is_a_typo() -> None:
    text = MINIMAL_EVENT + PLACES.replace("longitude: 106.8010", "longitude: -106.8010")  # the sign lost

    [problem] = problems_of(text)

    assert problem.startswith("places[2].latitude: is ") and "km from the venue" in problem


@pytest.mark.parametrize(("question", "category"), [
    ("is there an ATM nearby?", "atm"),
    ("where can I withdraw cash", "atm"),
    ("ada apotek dekat sini?", "pharmacy"),
    ("farmasi terdekat kat mana", "pharmacy"),
    ("musholla di mana ya", "prayer_room"),
    ("nearest mosque", "prayer_room"),
    ("surau kat mana", "prayer_room"),
    ("tukar uang di mana", "money_changer"),
    ("is there a money changer near the hotel", "money_changer"),
    ("restaurants close to the hotel", "restaurant"),
    ("what's near the venue?", None),
])
async def test_the_kind_of_place_is_recognised_in_three_languages(loaded_database, question: str, category: str | None) -> None:
    snap = await EventService(loaded_database).snapshot()

    assert category_in(question, snap) == category


async def test_the_closest_places_come_first_as_venue_pins(loaded_database) -> None:
    snap = await EventService(loaded_database).snapshot()

    found = closest(snap, "atm")
    answer = nearby_answer(Translator("en", snap.timezone), snap, "atm")

    assert [n.place.id for n in found] == ["mulia-atm", "plaza-senayan-atm"]
    assert found[0].metres < 50 < 700 < found[1].metres < 1200
    text, *pins = answer.messages
    assert text.text.index("ATM corner") < text.text.index("ATM centre, Plaza Senayan")
    assert [p.venue.title for p in pins if p.venue] == ["ATM corner, Hotel Mulia lobby · 20 m", "ATM centre, Plaza Senayan · 820 m"]


async def test_without_a_kind_every_place_is_listed_with_buttons_per_kind(loaded_database) -> None:
    snap = await EventService(loaded_database).snapshot()

    answer = nearby_answer(Translator("id", snap.timezone), snap, None)

    text = answer.messages[0]
    assert len(answer.messages) == 4  # the list, then the three closest as pins
    labels = [b.text for row in text.buttons for b in row]
    assert "Apotek" in labels and "ATM" in labels
    assert all(len((b.data or "").encode()) <= 64 for row in text.buttons for b in row)
