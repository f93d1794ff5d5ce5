"""Answers come from the event data, in the delegate's language, and use the clock."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest

from bot.answers.days import resolve_day
from bot.answers.service import AnswerService, Question
from bot.clock import ManualClock
from bot.event.service import EventService

WIB = "+07:00"


def at(local: str) -> datetime:
    return datetime.fromisoformat(f"{local}{WIB}")


@pytest.fixture
def database_url(sqlite_url: str) -> str:  # answers do not depend on the database engine
    return sqlite_url


@pytest.fixture
async def answers(loaded_database, clock: ManualClock) -> AnswerService:
    return AnswerService(EventService(loaded_database), clock.now)


def q(intent: str, text: str = "", **entities: str) -> Question:
    return Question(text=text or intent, intent=intent, confidence=0.99, entities={k: [v] for k, v in entities.items()})


def plain(answer) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", "\n".join(m.text for m in answer.messages)))


async def test_when_does_retno_marsudi_speak_names_session_day_time_and_room(answers) -> None:
    text = plain(await answers.answer(q("ask_speaker", "when does Retno Marsudi speak?", speaker="retno-marsudi"), "en"))
    assert "Retno" in text and "Opening ceremony" in text
    assert "Tuesday, September 10, 2019" in text and "8:30" in text and "Grand Ballroom" in text


async def test_indonesian_answer_uses_indonesian_dates(answers) -> None:
    text = plain(await answers.answer(q("ask_speaker", "kapan bu retno bicara", speaker="Bu Retno"), "id"))
    assert "Selasa" in text and "08.30" in text


async def test_what_is_next_uses_the_clock(answers, clock: ManualClock) -> None:
    clock.set(at("2019-09-10T10:15:00"))
    text = plain(await answers.answer(q("ask_now_next"), "en"))
    assert "Session 1" in text or "general debate" in text.lower()
    assert "Lunch" in text
    clock.set(at("2019-09-10T16:00:00"))
    text = plain(await answers.answer(q("ask_now_next"), "en"))
    assert "Economic" in text and "Welcome dinner" in text


async def test_now_next_before_and_after_the_event(answers, clock: ManualClock) -> None:
    clock.set(at("2019-09-09T12:00:00"))
    assert "starts on" in plain(await answers.answer(q("ask_now_next"), "en"))
    clock.set(at("2019-09-12T12:00:00"))
    assert "has ended" in plain(await answers.answer(q("ask_now_next"), "en"))


async def test_agenda_tomorrow_is_relative_to_the_clock(answers, clock: ManualClock) -> None:
    clock.set(at("2019-09-10T09:00:00"))
    text = plain(await answers.answer(q("ask_agenda", "agenda tomorrow", day="tomorrow"), "en"))
    assert "Wednesday" in text and "Jakarta Message" in text
    text = plain(await answers.answer(q("ask_agenda", "jadwal besok", day="besok"), "id"))
    assert "Rabu" in text


async def test_agenda_on_a_day_without_programme_says_so(answers) -> None:
    text = plain(await answers.answer(q("ask_agenda", "agenda on Friday", day="Friday"), "en"))
    assert "nothing on the programme" in text.lower() or "runs on" in text


async def test_where_is_the_venue_sends_a_pin(answers) -> None:
    answer = await answers.answer(q("ask_venue"), "en")
    pins = [m.venue for m in answer.messages if m.venue]
    assert pins and "Mulia" in pins[0].title and -7 < pins[0].latitude < -6


@pytest.mark.parametrize(("intent", "expected"), [
    ("ask_wifi", "RCDD2019"), ("ask_dress_code", "atik"), ("ask_meals", "Orchid"),
    ("ask_registration", "passport"), ("ask_contact", "helpdesk@rcdd.example"), ("ask_directions", "CGK"),
])
async def test_practical_questions_are_answered_from_the_faq(answers, intent: str, expected: str) -> None:
    assert expected in plain(await answers.answer(q(intent), "en"))


async def test_participants_lists_sixteen_delegations(answers) -> None:
    text = plain(await answers.answer(q("ask_participants"), "en"))
    assert "16 delegations" in text and "Viet Nam" in text and "Japan" in text


async def test_session_by_topic(answers) -> None:
    text = plain(await answers.answer(q("ask_session", "when is the session on crisis diplomacy?", topic="crisis"), "en"))
    assert "Crisis" in text and "1:30" in text


async def test_a_misspelt_speaker_is_still_found(answers) -> None:
    text = plain(await answers.answer(q("ask_speaker", "who is Retna Marsud", speaker="Retna Marsud"), "en"))
    assert "Retno L.P. Marsudi" in text and "Opening ceremony" in text


async def test_an_ambiguous_speaker_gets_the_closest_matches_as_buttons(answers) -> None:
    answer = await answers.answer(q("ask_speaker", "when does Cecep Marsudi speak", speaker="Cecep Marsudi"), "en")
    labels = [b.text for m in answer.messages for row in m.buttons for b in row]
    assert any("Retno" in label for label in labels) and any("Cecep" in label for label in labels)


@pytest.mark.parametrize("intent", ["out_of_scope", "nlu_fallback", "human_handoff"])
async def test_unanswerable_questions_go_to_the_helpdesk(answers, intent: str) -> None:
    answer = await answers.answer(q(intent, "what's the weather in Paris?"), "id")
    assert answer.handoff == intent
    assert "helpdesk" in plain(answer).lower()


async def test_event_values_are_escaped(answers) -> None:
    answer = await answers.answer(q("ask_speaker", "<script>", speaker="<script>alert(1)</script>"), "en")
    assert "<script>" not in "".join(m.text for m in answer.messages)


@pytest.mark.parametrize(("expression", "expected"), [
    ("today", "2019-09-10"), ("hari ini", "2019-09-10"), ("tomorrow", "2019-09-11"), ("besok", "2019-09-11"),
    ("bsk", "2019-09-11"), ("day 2", "2019-09-11"), ("hari kedua", "2019-09-11"), ("second day", "2019-09-11"),
    ("Rabu", "2019-09-11"), ("Tuesday", "2019-09-10"), ("11 September", "2019-09-11"), ("10 sept", "2019-09-10"),
    ("11/9", "2019-09-11"), ("hari pertama", "2019-09-10"), ("2019-09-11", "2019-09-11"), ("lusa", "2019-09-12"),
])
async def test_day_expressions(loaded_database, clock: ManualClock, expression: str, expected: str) -> None:
    snap = await EventService(loaded_database).snapshot()
    _, on = resolve_day(snap, clock.now(), expression)
    assert on is not None and on.isoformat() == expected


async def test_verified_only_details_and_how_to_verify(answers) -> None:
    public = plain(await answers.answer(q("ask_wifi", "wifi password?"), "en"))
    verified = plain(await answers.answer(q("ask_wifi", "wifi password?"), "en", verified=True))
    how = plain(await answers.answer(q("ask_registration", "how do I verify my accreditation?"), "en"))
    badge = plain(await answers.answer(q("ask_registration", "where do I pick up my badge?"), "en"))

    assert "RCDD2019" in public and "diplomasi2019" not in public and "/verify" in public
    assert "diplomasi2019" in verified and "/verify" not in verified
    assert "/verify" in how and "/verify" not in badge


def faq(entry: str, text: str = "") -> Question:
    return Question(text=text or entry, intent="faq", confidence=0.9, entities={}, faq_entry=entry)


async def test_an_organiser_faq_entry_is_answered_as_written(answers) -> None:
    text = plain(await answers.answer(faq("luggage", "where can I leave my suitcase?"), "en"))
    assert "Where can I leave my luggage?" in text and "concierge" in text
    assert "wifi" not in text.lower() and "Orchid" not in text
    text = plain(await answers.answer(faq("luggage", "koper saya titip di mana?"), "id"))
    assert "Concierge di lobi Hotel Mulia" in text


async def test_an_faq_entry_keeps_its_verified_answer_for_verified_delegates(answers) -> None:
    """The Wi-Fi entry's password is for verified delegates, whichever way the question came."""
    public = plain(await answers.answer(faq("wifi"), "en"))
    assert "RCDD2019" in public and "diplomasi2019" not in public and "/verify" in public
    assert "diplomasi2019" in plain(await answers.answer(faq("wifi"), "en", verified=True))


async def test_an_faq_entry_that_is_no_longer_in_the_event_goes_to_the_helpdesk(answers) -> None:
    answer = await answers.answer(faq("removed-entry"), "en")
    assert answer.handoff == "no_faq"
