"""Delegates ask for places near the venue, in their language, and get the closest as venue pins."""

from __future__ import annotations

import contextlib

import pytest

from bot.i18n import Translator

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def _replies(delegate, at_least: int) -> list:
    replies = await delegate.wait_replies(at_least, timeout=20)
    with contextlib.suppress(TimeoutError):
        replies += await delegate.wait_replies(1, timeout=0.7)
    return delegate.replies


async def test_is_there_an_atm_nearby_gets_the_closest_atms_as_venues(harness) -> None:
    delegate = harness.user(5201, "Tom", language_code="en")

    await delegate.send("is there an ATM nearby?")
    text, *pins = await _replies(delegate, 3)

    assert "ATMs near Hotel Mulia Senayan, closest first" in (text.text or "")
    assert [p.venue.title for p in pins] == ["ATM corner, Hotel Mulia lobby · 20 m", "ATM centre, Plaza Senayan · 820 m"]
    assert pins[0].venue.address == "Lobby level, next to the concierge"


async def test_an_indonesian_delegate_asks_for_a_pharmacy(harness) -> None:
    delegate = harness.user(5202, "Sari", language_code="id")

    await delegate.send("ada apotek di dekat sini?")
    text, pin = await _replies(delegate, 2)

    heading = Translator("id")._("{kind} near {venue}, closest first:").format(kind=Translator("id")._("Pharmacies"), venue="Hotel Mulia Senayan")
    assert heading in (text.text or "")
    assert pin.venue is not None and pin.venue.title.startswith("Apotek, Plaza Senayan")


async def test_nearby_lists_places_and_a_kind_can_be_chosen(harness) -> None:
    delegate = harness.user(5203, "Ana", language_code="en")

    await delegate.command("/nearby")
    listing, *pins = await _replies(delegate, 4)
    await delegate.press(listing, "Prayer rooms")
    prayer = await _replies(delegate, 3)

    assert len(pins) == 3 and all(p.venue is not None for p in pins)
    assert "Near Hotel Mulia Senayan, closest first" in (listing.text or "")
    titles = [m.venue.title for m in prayer[4:] if m.venue]
    assert titles[0].startswith("Prayer room (musholla), Hotel Mulia") and titles[1].startswith("Al-Bina Mosque")


async def test_nearby_with_a_word_goes_straight_to_that_kind(harness) -> None:
    delegate = harness.user(5204, "Ken", language_code="en")

    await delegate.command("/nearby money changer")
    text, pin = await _replies(delegate, 2)

    assert "Money changers near" in (text.text or "") and "Bring your passport" in (text.text or "")
    assert pin.venue is not None and pin.venue.title.startswith("Money changer, Plaza Senayan")


async def test_a_forged_place_button_is_refused_politely(harness) -> None:
    delegate = harness.user(5205, "Eve", language_code="en")
    await delegate.command("/nearby")
    listing, *_ = await _replies(delegate, 4)

    query = await delegate.press_raw(listing, "nb:casino")
    answered = await delegate.answer_to(query)

    assert "no longer valid" in (answered.answer_text or "")
