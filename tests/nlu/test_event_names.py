"""Names the model never saw (a programme synced after training) do not send a question to the
helpdesk, and do not let an off-topic question through."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.db import Database
from bot.event.names import is_event_word, name_words
from bot.event.service import EventService, EventSnapshot
from bot.schedule.importer import import_schedule
from bot.schedule.parse import parse_schedule
from nlu.evaluate import offtopic_sets
from nlu.interpreter import RasaInterpreter
from nlu.types import FALLBACK, HANDOFF_INTENTS
from tests.schedule.exports import RC3, export

CLINC = Path(__file__).parent / "clinc"


@pytest.fixture(scope="module")
def rc3(tmp_path_factory: pytest.TempPathFactory) -> EventSnapshot:
    """rC3's programme (a pretalx export: 200+ speakers, 20+ rooms), imported as the only event."""
    async def imported() -> EventSnapshot:
        database = Database(f"sqlite:///{tmp_path_factory.mktemp('rc3') / 'assistant.db'}")
        await database.migrate()
        await import_schedule(database, parse_schedule(export(RC3)), datetime(2020, 12, 1, tzinfo=timezone.utc))
        snap = await EventService(database).snapshot()
        await database.dispose()
        return snap
    return asyncio.run(imported())


def routed(interpreter: RasaInterpreter, questions: list[str], known: Callable[[str], bool]) -> float:
    async def share() -> float:
        parses = [(await interpreter.parse(q)).judged_with(known) for q in questions]
        return sum(p.intent in HANDOFF_INTENTS for p in parses) / len(parses)
    return asyncio.run(share())


def test_the_names_are_the_rooms_speakers_and_tracks_not_the_titles(rc3: EventSnapshot) -> None:
    words = name_words(rc3)
    assert {"monheim", "rhein", "fiege"} <= words
    assert "gluon" not in words  # a title word: titles use everyday words too


async def test_a_room_the_model_never_saw_is_asked_about_not_handed_off(interpreter: RasaInterpreter, rc3: EventSnapshot) -> None:
    parse = await interpreter.parse("what's on in r3s - Monheim/Rhein now?")
    assert parse.intent == FALLBACK and {"monheim", "rhein"} <= set(parse.unknown_words)
    judged = parse.judged_with(is_event_word(rc3))
    assert judged.intent == "ask_now_next" and not {"monheim", "rhein"} & set(judged.unknown_words)


async def test_words_the_event_does_not_know_keep_the_model_s_decision(interpreter: RasaInterpreter, rc3: EventSnapshot) -> None:
    parse = await interpreter.parse("what's on in the Zyxwvut Qlorbanian hall now?")
    assert parse.judged_with(is_event_word(rc3)) == parse


@pytest.mark.parametrize("language", ["en", "id"])
def test_off_topic_questions_stay_off_topic_with_a_big_programme_s_names(interpreter: RasaInterpreter, rc3: EventSnapshot, language: str) -> None:
    questions = offtopic_sets()["id"] if language == "id" else [
        line.strip() for name in ("oos_val.txt", "oos_train.txt") for line in (CLINC / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    without = routed(interpreter, questions, lambda word: False)
    with_names = routed(interpreter, questions, is_event_word(rc3))
    assert with_names >= without - 0.01, f"{language}: {without:.3f} routed without the names, {with_names:.3f} with them"
