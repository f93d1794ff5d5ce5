"""Importing a schedule export: the event appears from the export alone, talks keep their session
across exports, removed talks are cancelled and stay so, and the event file's own programme and
overrides live beside it. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.event.importer import import_event
from bot.event.loader import parse_event
from bot.event.models import Session
from bot.event.service import EventService, EventSnapshot, active_sessions
from bot.schedule.importer import ScheduleRefused, import_schedule
from bot.schedule.parse import parse_schedule
from bot.schedule.schema import Problem, Schedule, Talk
from tests.conftest import SAMPLE_EVENT
from tests.schedule.exports import DEBCONF, LCA, RC3, export

NOW = datetime(2020, 12, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def rc3() -> Schedule:
    return parse_schedule(export(RC3))


def talk_of(schedule: Schedule, export_id: str) -> Talk:
    return next(t for t in schedule.talks if t.export_id == export_id)


def without(schedule: Schedule, *export_ids: str) -> Schedule:
    return dataclasses.replace(schedule, talks=tuple(t for t in schedule.talks if t.export_id not in export_ids))


def edited(schedule: Schedule, which: str, **changes: object) -> Schedule:
    return dataclasses.replace(schedule, talks=tuple(
        dataclasses.replace(t, **changes) if t.export_id == which else t for t in schedule.talks))  # type: ignore[arg-type]


async def snapshot(database: Database) -> EventSnapshot:
    return await EventService(database).snapshot()


async def session_rows(database: Database) -> dict[str, Session]:
    async with database.session() as db:
        return {s.id: s for s in (await db.execute(select(Session))).scalars()}


async def test_a_schedule_alone_creates_the_event(database: Database) -> None:
    changes = await import_schedule(database, parse_schedule(export(DEBCONF)), NOW)

    assert changes.created_event and changes.count("new") == 117
    snap = await snapshot(database)
    assert (snap.id, snap.name["en"], snap.timezone, snap.default_language) == ("debconf23", "DebConf 23", "Asia/Kolkata", "en")
    assert {"en", "id", "ms"} <= set(snap.languages)
    assert [d.date.isoformat() for d in snap.days][:2] == ["2023-09-10", "2023-09-11"]  # local dates, not <day date>
    assert len(snap.rooms) == 5 and len(snap.tracks) == 12 and len(active_sessions(snap)) == 117
    opening = next(s for s in snap.sessions if s.title["en"] == "Opening Ceremony")
    assert opening.starts_at.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%H:%M") == "10:30"
    assert opening.track is not None and opening.track.name["en"].startswith("Community")
    assert [snap.speakers[i].name for i in opening.speaker_ids] == ["Sruthi Chandran"]


async def test_talk_languages_biographies_and_ics_speakers(database: Database, rc3: Schedule) -> None:
    await import_schedule(database, rc3, NOW)
    snap = await snapshot(database)
    german = [s for s in snap.sessions if s.language == "de"]
    assert len(german) == 19 and german[0].imported
    assert any("investigative journalist" in sp.bio.get("en", "") for sp in snap.speakers.values())


async def test_lca_imports_with_speakers_from_descriptions(database: Database) -> None:
    await import_schedule(database, parse_schedule(export(LCA)), NOW)
    snap = await snapshot(database)
    ntfs = next(s for s in snap.sessions if s.title["en"] == "NTFS really isn't that bad")
    assert [snap.speakers[i].name for i in ntfs.speaker_ids] == ["Robert Collins"]
    assert ntfs.starts_at.astimezone(ZoneInfo("Australia/Brisbane")).strftime("%Y-%m-%d %H:%M") == "2020-01-16 11:40"


async def test_reimporting_the_same_export_changes_nothing(database: Database, rc3: Schedule) -> None:
    await import_schedule(database, rc3, NOW)
    before = await snapshot(database)
    again = await import_schedule(database, rc3, NOW + timedelta(hours=1))
    assert not again.changed and again.line() == "schedule for rc3-channels-2020: 48 talks (nothing changed)"
    assert (await snapshot(database)).version == before.version


async def test_a_renumbered_talk_with_the_same_guid_keeps_its_session(database: Database, rc3: Schedule) -> None:
    await import_schedule(database, rc3, NOW)
    iommu = talk_of(rc3, "146")
    first = {s.guid: s.id for s in (await session_rows(database)).values()}[iommu.guid]

    renumbered = edited(rc3, "146", export_id="9146", slug="NEWSLUG")
    changes = await import_schedule(database, renumbered, NOW)

    assert not changes.changes and changes.updated == [first]
    assert {s.guid: s.id for s in (await session_rows(database)).values()}[iommu.guid] == first


async def test_moves_room_changes_cancellations_and_restorations_are_reported(database: Database, rc3: Schedule) -> None:
    await import_schedule(database, rc3, NOW)
    t15, t146 = talk_of(rc3, "15"), talk_of(rc3, "146")
    changed = edited(without(rc3, "22"), "15", starts_at=t15.starts_at + timedelta(minutes=30), ends_at=t15.ends_at + timedelta(minutes=30))
    changed = edited(changed, "146", room="Chaos-West TV - Ennepetal")

    changes = await import_schedule(database, changed, NOW)

    kinds = {c.title: c.kinds for c in changes.changes}
    assert kinds == {t15.title: ("moved",), t146.title: ("room",), talk_of(rc3, "22").title: ("cancelled",)}
    assert changes.summary == {"new": 0, "moved": 1, "room": 1, "cancelled": 1, "restored": 0, "updated": 0}
    moved = next(c for c in changes.changes if c.kinds == ("moved",))
    assert moved.new_start - moved.old_start == timedelta(minutes=30)  # type: ignore[operator]


async def test_a_cancelled_talk_stays_cancelled_until_the_export_brings_it_back(database: Database, rc3: Schedule) -> None:
    await import_schedule(database, rc3, NOW)
    await import_schedule(database, without(rc3, "22"), NOW)
    again = await import_schedule(database, without(rc3, "22"), NOW)
    assert not again.changes
    cancelled = [s for s in (await snapshot(database)).sessions if s.cancelled]
    assert [s.title["en"] for s in cancelled] == [talk_of(rc3, "22").title]

    back = await import_schedule(database, rc3, NOW)
    assert [c.kinds for c in back.changes] == [("restored",)]
    assert not any(s.cancelled for s in (await snapshot(database)).sessions)


async def test_an_entry_the_parser_could_not_read_is_not_cancelled(database: Database, rc3: Schedule) -> None:
    await import_schedule(database, rc3, NOW)
    t22 = talk_of(rc3, "22")
    broken = dataclasses.replace(without(rc3, "22"), problems=(Problem("days[1]...", "date 'soon' is not a date", (t22.guid or "", "22")),))
    changes = await import_schedule(database, broken, NOW)
    assert not changes.changes


async def test_diff_changes_nothing(database: Database, rc3: Schedule) -> None:
    await import_schedule(database, rc3, NOW)
    changes = await import_schedule(database, without(rc3, "22", "15"), NOW, dry_run=True)
    assert changes.count("cancelled") == 2
    assert not any(s.cancelled for s in (await snapshot(database)).sessions)


async def test_an_export_without_talks_is_refused(database: Database, rc3: Schedule) -> None:
    await import_schedule(database, rc3, NOW)
    with pytest.raises(ScheduleRefused, match="would cancel the whole programme"):
        await import_schedule(database, dataclasses.replace(rc3, talks=()), NOW)
    assert len(active_sessions(await snapshot(database))) == 48


async def test_event_file_and_schedule_live_side_by_side(database: Database, rc3: Schedule) -> None:
    text = SAMPLE_EVENT.read_text(encoding="utf-8")
    await import_event(database, parse_event(text), NOW)
    own = len(active_sessions(await snapshot(database)))
    await import_schedule(database, rc3, NOW)
    talk_id = next(s.id for s in (await snapshot(database)).sessions if s.imported and s.language == "de")

    overrides = f"session_overrides:\n  - id: {talk_id}\n    title: {{en: The lazy admin automates, id: Admin malas mengotomatiskan}}\n    public: false\n"
    summary = await import_event(database, parse_event(text + overrides), NOW + timedelta(hours=1))

    assert not summary.cancelled  # the schedule's sessions are not the event file's to cancel
    snap = await snapshot(database)
    assert len(active_sessions(snap)) == own + 48 and snap.name["en"].startswith("Regional Conference")
    talk = next(s for s in snap.sessions if s.id == talk_id)
    assert talk.title["id"] == "Admin malas mengotomatiskan" and talk.public is False
    again = await import_schedule(database, rc3, NOW + timedelta(hours=2))
    assert not again.changes
    assert len(active_sessions(await snapshot(database))) == own + 48
