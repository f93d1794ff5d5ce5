"""Follow-ups and compound questions, as words: which messages refer back to the last answers,
and where a message that asks two things is split."""

from __future__ import annotations

import pytest

from bot.answers.service import Question
from bot.conversation.compound import compound_parts
from bot.conversation.followup import Turn, resolve
from nlu.types import Entity

AFTER_OPENING = [Turn("ask_session", "session:opening-ceremony")]
AFTER_SPEAKER = [Turn("ask_speaker", "speaker:retno-marsudi")]
AFTER_AGENDA = [Turn("ask_agenda", "agenda:day-1")]
AFTER_MEALS = [Turn("ask_meals", "ask_meals")]


def q(text: str, intent: str = "nlu_fallback", **entities: str) -> Question:
    return Question(text=text, intent=intent, confidence=0.3, entities={k: [v] for k, v in entities.items()})


@pytest.mark.parametrize("text", ["who speaks there?", "who's speaking at it", "siapa pembicaranya?", "siapa yang bicara di sana?"])
def test_who_after_a_session_asks_for_its_speakers(text: str) -> None:
    resolved = resolve(q(text), AFTER_OPENING)
    assert resolved is not None and resolved.intent == "ask_speakers" and resolved.entities == {"topic": ["opening-ceremony"]}


@pytest.mark.parametrize("text", ["where is it?", "and where is that?", "when does it start?", "tempatnya di mana?", "jam berapa?", "di mana?"])
def test_where_or_when_after_a_session_asks_for_the_session(text: str) -> None:
    resolved = resolve(q(text), AFTER_OPENING)
    assert resolved is not None and resolved.intent == "ask_session" and resolved.entities == {"topic": ["opening-ceremony"]}


def test_after_a_speaker_a_reference_asks_for_the_speaker() -> None:
    resolved = resolve(q("when does she speak?"), AFTER_SPEAKER)
    assert resolved is not None and resolved.intent == "ask_speaker" and resolved.entities == {"speaker": ["retno-marsudi"]}


@pytest.mark.parametrize(("recent", "intent"), [(AFTER_AGENDA, "ask_agenda"), (AFTER_MEALS, "ask_meals")])
@pytest.mark.parametrize("text", ["and tomorrow?", "what about day 2?", "kalau besok?", "terus hari kedua?", "esok pula?"])
def test_a_day_alone_asks_the_last_day_question_again(text: str, recent: list[Turn], intent: str) -> None:
    resolved = resolve(q(text, "ask_agenda", day="tomorrow"), recent)
    assert resolved is not None and resolved.intent == intent and resolved.entities == {"day": ["tomorrow"]}


def test_a_day_alone_after_a_session_asks_for_that_session_on_that_day() -> None:
    resolved = resolve(q("and tomorrow?", day="tomorrow"), [Turn("ask_meals", "session:lunch-day1")])
    assert resolved is not None and resolved.intent == "ask_session"
    assert resolved.entities == {"topic": ["lunch-day1"], "day": ["tomorrow"]}


def test_small_talk_in_between_does_not_break_the_thread() -> None:
    resolved = resolve(q("who speaks there?"), [Turn("thank", "thank"), *AFTER_OPENING])
    assert resolved is not None and resolved.entities == {"topic": ["opening-ceremony"]}


@pytest.mark.parametrize("text", [
    "where is the wifi?", "who are the speakers of the crisis session?", "what is the dress code?",
    "where is the venue?", "when does Retno Marsudi speak?", "is it halal?",
])
def test_a_question_that_names_its_subject_stands_alone(text: str) -> None:
    assert resolve(q(text), AFTER_OPENING) is None


def test_a_question_naming_a_topic_or_a_speaker_stands_alone() -> None:
    assert resolve(q("who speaks there?", topic="session-2-crisis"), AFTER_OPENING) is None
    assert resolve(q("and tomorrow?", speaker="huawei"), AFTER_AGENDA) is None


def test_a_reference_after_another_subject_is_not_resolved() -> None:
    assert resolve(q("who speaks there?"), [Turn("ask_wifi", "ask_wifi"), *AFTER_OPENING]) is None
    assert resolve(q("and tomorrow?"), [Turn("ask_wifi", "ask_wifi"), *AFTER_AGENDA]) is None
    assert resolve(q("where is it?"), []) is None


@pytest.mark.parametrize(("text", "parts"), [
    ("where is lunch and what's the wifi?", ["where is lunch", "what's the wifi"]),
    ("what is the dress code? also how do I contact the organisers", ["what is the dress code", "how do I contact the organisers"]),
    ("makan siang di mana dan password wifinya apa?", ["makan siang di mana", "password wifinya apa"]),
    ("pakai baju apa, terus registrasi di mana?", ["pakai baju apa", "registrasi di mana"]),
])
def test_connectors_split_a_compound_question(text: str, parts: list[str]) -> None:
    assert compound_parts(text) == parts


@pytest.mark.parametrize("text", ["where is lunch?", "salt and pepper", "thanks and bye", "what's on today and tomorrow?"])
def test_a_single_question_is_not_split(text: str) -> None:
    assert compound_parts(text) == []


def test_a_connector_inside_an_entity_does_not_split() -> None:
    text = "when is the registration and welcome coffee"
    coffee = Entity("topic", "registration-day1", "registration and welcome coffee", 12, len(text))
    assert compound_parts(text, [coffee]) == []
