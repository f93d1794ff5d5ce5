"""A delegate finds any talk of a 900-talk conference by speaker (typos and missing accents too),
title words or track, in English and Indonesian; a talk imported a moment ago is found at once.
Questions go through the real AnswerService with the schedule's hook (the intent as the NLU gives it)."""

from __future__ import annotations

import asyncio
import dataclasses
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.answers.reply import MAX_CALLBACK_BYTES
from bot.answers.service import AnswerService, Question
from bot.clock import ManualClock
from bot.db import Database
from bot.event.service import EventService, EventSnapshot
from bot.i18n import Translator
from bot.schedule.answers import ProgrammeAnswers, parse_more
from bot.schedule.importer import import_schedule
from bot.schedule.parse import parse_schedule
from bot.schedule.schema import Person, Schedule, Talk
from bot.schedule.search import ProgrammeIndex, SearchIndexes
from tests.schedule.exports import DEBCONF, RC3, export
from tests.schedule.synthetic import synthetic_schedule

NOW = datetime(2025, 1, 31, 12, 0, tzinfo=timezone.utc)  # the day before the synthetic conference
SAMPLE = range(0, 900, 9)  # a hundred talks across every room, track and speaker list


async def _imported(path: Path, schedule: Schedule) -> EventSnapshot:
    database = Database(f"sqlite:///{path}")
    await database.migrate()
    await import_schedule(database, schedule, NOW)
    snap = await EventService(database).snapshot()
    await database.dispose()
    return snap


@pytest.fixture(scope="module")
def conference() -> Schedule:
    return synthetic_schedule(900)


@pytest.fixture(scope="module")
def snapshot(conference: Schedule, tmp_path_factory: pytest.TempPathFactory) -> EventSnapshot:
    return asyncio.run(_imported(tmp_path_factory.mktemp("search") / "s.db", conference))


@pytest.fixture(scope="module")
def index(snapshot: EventSnapshot) -> ProgrammeIndex:
    return ProgrammeIndex(snapshot)


class Ask:
    """Questions as the NLU hands them over: an intent and the text."""

    def __init__(self, snap: EventSnapshot) -> None:
        self.snap = snap
        self.hook = ProgrammeAnswers(SearchIndexes())

    async def __call__(self, intent: str, text: str, language: str = "en", now: datetime = NOW) -> str:
        tr = Translator(language, self.snap.timezone, self.snap.default_language)
        answer = await self.hook(tr, self.snap, Question(text, intent, 0.9, {}), now)
        assert answer is not None, f"no answer to {text!r}"
        return "\n".join(m.text for m in answer.messages)


def plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def typo(name: str) -> str:
    """The surname with its third letter left out, and no accents: "Søndergaard" -> "Sondergaard" -> "Sodergaard"."""
    first, last = plain(name).split(" ", 1)
    return f"{first} {last[:2]}{last[3:]}" if len(last) >= 5 else f"{first} {last}"


async def test_every_sampled_talk_is_found_by_its_speaker_in_english_and_indonesian(conference: Schedule, snapshot: EventSnapshot) -> None:
    ask = Ask(snapshot)
    for i in SAMPLE:
        talk = conference.talks[i]
        name = talk.persons[0].name
        assert talk.title in await ask("ask_speaker", f"when does {name} speak?"), name
        assert talk.title in await ask("ask_speaker", f"kapan {name} bicara?", "id"), name


async def test_a_speaker_is_found_with_a_typo_and_without_accents(conference: Schedule, snapshot: EventSnapshot) -> None:
    ask = Ask(snapshot)
    missed = [talk.persons[0].name for talk in (conference.talks[i] for i in SAMPLE)
              if talk.title not in await ask("ask_speaker", f"when does {typo(talk.persons[0].name)} talk")]
    assert len(missed) <= 2, missed  # two misspellings may name another speaker as well


async def test_every_sampled_talk_is_found_by_its_title_words(conference: Schedule, snapshot: EventSnapshot) -> None:
    ask = Ask(snapshot)
    for i in SAMPLE:
        title = conference.talks[i].title
        assert title in await ask("ask_session", f"tell me about the talk {title.lower()}"), title
        assert title in await ask("ask_session", f"sesi tentang {title}", "id"), title


def test_a_track_finds_all_its_talks(conference: Schedule, index: ProgrammeIndex) -> None:
    for track in ("Databases", "Legal and Policy", "Nix and NixOS"):
        expected = {t.title for t in conference.talks if t.track == track}
        found = index.search(index.query(f"what's in the {track} track"), limit=1000)
        titles = {s.title["en"] for s in found.sessions}
        assert expected <= titles, track
        assert len(titles) <= len(expected) + 40  # words of the track's name in a few titles too


async def test_results_come_a_few_at_a_time_with_a_more_button(snapshot: EventSnapshot) -> None:
    ask = Ask(snapshot)
    tr = Translator("en", snapshot.timezone)
    answer = await ask.hook(tr, snapshot, Question("talks about Rust", "ask_session", 0.9, {}), NOW)
    assert answer is not None
    reply = answer.messages[0]
    assert reply.text.startswith("<b>") and "talks about “rust”" in reply.text
    more = reply.buttons[-1][0]
    assert more.text.startswith("More (") and more.data is not None and len(more.data.encode()) <= MAX_CALLBACK_BYTES
    parsed = parse_more(more.data.partition(":")[2])
    assert parsed is not None and parsed[0] == 5 and parsed[3].terms == ("rust",)
    assert len(reply.buttons) == 6  # five talks and "More"


async def test_anything_on_a_topic_tomorrow_morning(conference: Schedule, snapshot: EventSnapshot, index: ProgrammeIndex) -> None:
    morning = [s for s in index.search(index.query("anything on PostgreSQL tomorrow morning"), limit=1000).sessions]
    assert morning and all(s.starts_at.astimezone(snapshot.zone).hour < 12 for s in morning)
    text = await Ask(snapshot)("ask_agenda", "anything on PostgreSQL tomorrow morning")
    assert "PostgreSQL" in text and "Sat" in text  # tomorrow is the first day, 1 Feb 2025


async def test_what_is_on_in_a_room_now(snapshot: EventSnapshot) -> None:
    during = datetime(2025, 2, 1, 8, 10, tzinfo=timezone.utc)
    text = await Ask(snapshot)("ask_now_next", "what's on in Room B now?", now=during)
    assert text.startswith("<b>Room B</b>\n<b>Now</b>\n") and "Embedding Fedora on the desktop · Room B ▶️" in text and "<b>Next</b>" in text


async def test_a_cancelled_talk_is_not_among_the_results(conference: Schedule, tmp_path: Path) -> None:
    gone = conference.talks[0]
    snap = await _imported(tmp_path / "c.db", conference)
    database = Database(f"sqlite:///{tmp_path / 'c.db'}")
    await import_schedule(database, dataclasses.replace(conference, talks=conference.talks[1:]), NOW)
    snap = await EventService(database).snapshot()
    await database.dispose()
    found = ProgrammeIndex(snap).search(ProgrammeIndex(snap).query(gone.title), limit=50)
    assert gone.title not in {s.title["en"] for s in found.sessions}


async def test_a_talk_imported_a_moment_ago_is_found_at_once(database: Database) -> None:
    rc3 = parse_schedule(export(RC3))
    await import_schedule(database, rc3, NOW)
    events, clock = EventService(database), ManualClock(NOW)
    answers = AnswerService(events, clock.now)
    answers.answer_first = ProgrammeAnswers(SearchIndexes(), answers.session_card)
    before = await answers.answer(Question("when does Zofia Wiśniewska talk", "ask_speaker", 0.9, {}), "en")

    first = rc3.talks[0]
    new = Talk(title="Knitting quantum sweaters", starts_at=first.starts_at + timedelta(days=1), ends_at=first.ends_at + timedelta(days=1),
               where="new", guid="new-guid", export_id="9999", room=first.room, persons=(Person("code:ZW", "Zofia Wiśniewska"),))
    await import_schedule(database, dataclasses.replace(rc3, talks=(*rc3.talks, new)), NOW)
    after = await answers.answer(Question("when does Zofia Wisniewska talk", "ask_speaker", 0.9, {}), "en")
    by_topic = await answers.answer(Question("talks about quantum sweaters", "ask_session", 0.9, {}), "id")

    assert "Knitting quantum sweaters" not in before.messages[0].text
    assert "Zofia Wiśniewska" in after.messages[0].text and "Knitting quantum sweaters" in after.messages[0].text
    assert "Knitting quantum sweaters" in by_topic.messages[0].text


async def test_debconf_speaker_with_a_typo(tmp_path: Path) -> None:
    snap = await _imported(tmp_path / "d.db", parse_schedule(export(DEBCONF)))
    text = await Ask(snap)("ask_speaker", "when does Sruti Chandran talk?")
    assert text.startswith("<b>Sruthi Chandran</b>") and "Opening Ceremony" in text


def test_a_big_day_is_browsed_by_track_then_a_page_of_talks(snapshot: EventSnapshot) -> None:
    from bot.answers.browse import day_choice, group_choice, group_sessions
    from bot.answers.service import agenda_day

    tr = Translator("id", snapshot.timezone)
    day = snapshot.days[0]
    assert agenda_day(tr, snapshot, day, NOW).messages[0] == day_choice(tr, snapshot, day)
    tracks = group_choice(tr, snapshot, day, "t")
    assert tracks.text.startswith("<b>Jalur pada") and len(tracks.buttons) == 13  # 12 tracks and the navigation
    first = tracks.buttons[0][0]
    assert first.data is not None and first.data.startswith("bg:1:t:")
    _, _, group, offset = first.data.split(":", 1)[1].split(":")
    page = group_sessions(tr, snapshot, day, "t", int(group), int(offset))
    assert page is not None and page.text.count("\n") == 1 + 8  # title, position, eight talks
    assert all(len((b.data or "").encode()) <= MAX_CALLBACK_BYTES for row in page.buttons for b in row)
    assert group_sessions(tr, snapshot, day, "t", 999, 0) is None  # a forged position


async def test_programme_questions_without_a_topic_go_to_the_built_in_answers(snapshot: EventSnapshot) -> None:
    hook = ProgrammeAnswers(SearchIndexes())
    tr = Translator("id", snapshot.timezone)
    for intent, text in (("ask_agenda", "jadwal hari kedua apa saja?"), ("ask_agenda", "what's on on day 2?"),
                         ("ask_speakers", "siapa saja pembicaranya?"), ("ask_now_next", "what's happening now?")):
        assert await hook(tr, snapshot, Question(text, intent, 0.9, {}), NOW) is None, text
