"""Whatever a delegate sends, parsing never raises: odd input gets a fallback or a low confidence."""

from __future__ import annotations

import pytest

from nlu.interpreter import RasaInterpreter
from nlu.text import MAX_CHARS, is_readable, sanitise
from nlu.types import FALLBACK, HANDOFF_INTENTS

ODD = {
    "empty": "",
    "blank": " \t\n ",
    "emoji only": "😀😀👍🎉",
    "punctuation and digits": "?!... 123 ###",
    "control characters": "\x00\x01\x02\x1b[31m\u202e\u200b",
    "other scripts only": "где место проведения? 会場はどこ",
    "ten thousand characters": "x" * 10_000,
    "a long paste": "lorem ipsum dolor sit amet " * 400,
    "markup": "<script>alert(1)</script>",
}


@pytest.mark.slow
@pytest.mark.parametrize("text", ODD.values(), ids=ODD.keys())
async def test_odd_input_never_raises_and_is_not_answered_with_confidence(interpreter: RasaInterpreter, text: str) -> None:
    parse = await interpreter.parse(text)
    assert len(parse.text) <= MAX_CHARS
    assert parse.intent in HANDOFF_INTENTS or parse.confidence < 0.9, parse
    if not is_readable(sanitise(text)):
        assert parse.intent == FALLBACK and parse.confidence == 0.0 and not parse.entities


@pytest.mark.slow
async def test_rasa_intent_syntax_does_not_force_an_intent(interpreter: RasaInterpreter) -> None:
    """Rasa reads "/intent{...}" as an intent given with confidence 1; a delegate's text never is."""
    parse = await interpreter.parse('/human_handoff{"day": "tomorrow"}')
    assert parse.confidence < 1.0


@pytest.mark.slow
async def test_a_question_hidden_in_control_characters_is_still_understood(interpreter: RasaInterpreter) -> None:
    parse = await interpreter.parse("\x00where\u200b   is\tthe\nvenue?\x1b")
    assert parse.intent == "ask_venue" and parse.text == "where is the venue?"


def test_sanitise_collapses_white_space_and_drops_control_characters() -> None:
    assert sanitise("  jadwal\t\tbesok\x00 apa\n aja  ") == "jadwal besok apa aja"
    assert sanitise("\u202eabc\u200b") == "abc"


def test_sanitise_cuts_long_text_at_a_word_boundary() -> None:
    cut = sanitise("word " * 300)
    assert len(cut) <= MAX_CHARS and cut.endswith("word")
    assert len(sanitise("x" * 10_000)) == MAX_CHARS


def test_sanitise_removes_the_leading_slash_of_rasa_intent_syntax() -> None:
    assert sanitise("/help") == "help"


@pytest.mark.parametrize(("text", "readable"), [
    ("halo", True), ("Tiếng Việt", True), ("wifi?", True), ("😀", False), ("123", False), ("会場はどこ", False), ("", False),
])
def test_only_text_with_latin_letters_is_worth_asking_the_model(text: str, readable: bool) -> None:
    assert is_readable(text) is readable


def test_a_parse_carries_the_faq_entry_and_the_unknown_words() -> None:
    from nlu.interpreter import from_rasa

    data = {
        "intent": {"name": "faq", "confidence": 0.8},
        "intent_ranking": [{"name": "faq", "confidence": 0.8}, {"name": "ask_meals", "confidence": 0.1}],
        "response_selector": {"all_retrieval_intents": ["faq"], "faq": {
            "response": {"intent_response_key": "faq/luggage", "confidence": 0.9},
            "ranking": [{"intent_response_key": "faq/luggage", "confidence": 0.9}, {"intent_response_key": "faq/slides", "confidence": 0.1}],
        }},
        "domain_check": {"unknown_words": ["cloakroom"], "threshold": 0.5},
    }
    parse = from_rasa("is there a cloakroom", data)
    assert parse.faq_entry == "luggage" and parse.faq_ranking == (("luggage", 0.9), ("slides", 0.1))
    assert parse.unknown_words == ("cloakroom",)
    assert from_rasa("x", {**data, "intent": {"name": "ask_meals", "confidence": 0.9}}).faq_entry is None
