"""Importing is an idempotent upsert keyed by stable ids; removed sessions are cancelled, not deleted."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.event.importer import ImportRefused, import_event
from bot.event.loader import parse_event
from bot.event.models import Session
from bot.event.service import EventService, now_and_next
from tests.event.minimal import MINIMAL_EVENT

NOW = datetime(2019, 9, 1, tzinfo=timezone.utc)


async def sessions_in(database) -> dict[str, Session]:
    async with database.session() as db:
        return {s.id: s for s in (await db.execute(select(Session))).scalars()}


async def test_first_import_creates_every_session(database) -> None:
    summary = await import_event(database, parse_event(MINIMAL_EVENT), NOW)
    assert sorted(summary.created) == ["opening", "talk"]
    assert summary.line() == "imported demo: 2 sessions (2 new, 0 updated, 0 unchanged, 0 cancelled)"


async def test_reimporting_the_same_file_changes_nothing(database) -> None:
    await import_event(database, parse_event(MINIMAL_EVENT), NOW)
    summary = await import_event(database, parse_event(MINIMAL_EVENT), NOW + timedelta(hours=1))
    assert sorted(summary.unchanged) == ["opening", "talk"] and not summary.updated
    assert summary.line().endswith("; the file is the same as last time")
    async with database.session() as db:
        assert (await db.execute(select(func.count()).select_from(Session))).scalar() == 2
    snapshot = await EventService(database).snapshot()
    await import_event(database, parse_event(MINIMAL_EVENT), NOW + timedelta(hours=2))
    assert (await EventService(database).snapshot()).version == snapshot.version  # running bots keep theirs


async def test_edited_session_is_updated_in_place(database) -> None:
    await import_event(database, parse_event(MINIMAL_EVENT), NOW)
    moved = MINIMAL_EVENT.replace("start: 2019-09-10 10:00\n    end: 2019-09-10 11:00", "start: 2019-09-10 10:30\n    end: 2019-09-10 11:30")
    summary = await import_event(database, parse_event(moved), NOW)
    assert summary.updated == ["talk"] and summary.moved == ["talk"]
    talk = (await sessions_in(database))["talk"]
    assert talk.starts_at == datetime(2019, 9, 10, 3, 30, tzinfo=timezone.utc)
    assert talk.cancelled is False


async def test_session_removed_from_file_is_cancelled_not_deleted(database) -> None:
    await import_event(database, parse_event(MINIMAL_EVENT), NOW)
    without_talk = MINIMAL_EVENT.split("  - id: talk")[0] + "faq:" + MINIMAL_EVENT.split("faq:")[1]
    summary = await import_event(database, parse_event(without_talk), NOW)
    assert summary.cancelled == ["talk"]
    assert (await sessions_in(database))["talk"].cancelled is True
    restored = await import_event(database, parse_event(MINIMAL_EVENT), NOW)
    assert restored.restored == ["talk"]
    assert (await sessions_in(database))["talk"].cancelled is False


async def test_cancelled_sessions_leave_the_agenda(database) -> None:
    await import_event(database, parse_event(MINIMAL_EVENT), NOW)
    without_talk = MINIMAL_EVENT.split("  - id: talk")[0] + "faq:" + MINIMAL_EVENT.split("faq:")[1]
    await import_event(database, parse_event(without_talk), NOW)
    snap = await EventService(database).snapshot()
    state = now_and_next(snap, datetime(2019, 9, 10, 2, 30, tzinfo=timezone.utc))
    assert [s.id for s in state.running] == ["opening"] and state.upcoming == []


async def test_speakers_are_linked_to_sessions(database) -> None:
    await import_event(database, parse_event(MINIMAL_EVENT), NOW)
    snap = await EventService(database).snapshot()
    assert snap.speakers["ana"].session_ids == ("opening",)


async def test_another_event_is_refused_unless_replaced(database) -> None:
    await import_event(database, parse_event(MINIMAL_EVENT), NOW)
    other = parse_event(MINIMAL_EVENT.replace("id: demo", "id: other", 1))
    with pytest.raises(ImportRefused, match="holds the event 'demo'"):
        await import_event(database, other, NOW)
    await import_event(database, other, NOW, replace=True)
    assert (await EventService(database).snapshot()).id == "other"


async def test_sample_event_imports(database, sample_event) -> None:
    summary = await import_event(database, sample_event, NOW)
    assert len(summary.created) == len(sample_event.sessions)
    snap = await EventService(database).snapshot()
    assert snap.timezone == "Asia/Jakarta" and len(snap.delegations) == 16


TWO_DAYS = MINIMAL_EVENT.replace(
    "    label: {en: Day 1, id: Hari pertama}\n",
    "    label: {en: Day 1, id: Hari pertama}\n  - id: day-2\n    date: 2019-09-11\n    label: {en: Day 2, id: Hari kedua}\n",
).replace("    start: 2019-09-10 10:00\n    end: 2019-09-10 11:00", "    start: 2019-09-11 10:00\n    end: 2019-09-11 11:00")


async def test_the_event_can_move_by_a_day(database) -> None:
    await import_event(database, parse_event(TWO_DAYS), NOW)
    later = TWO_DAYS.replace("2019-09-11", "2019-09-12").replace("2019-09-10", "2019-09-11")
    summary = await import_event(database, parse_event(later), NOW)
    assert sorted(summary.moved) == ["opening", "talk"]
    days = (await EventService(database).snapshot()).days
    assert [(d.id, d.date.isoformat()) for d in days] == [("day-1", "2019-09-11"), ("day-2", "2019-09-12")]


async def test_a_renamed_day_replaces_the_old_one(database) -> None:
    await import_event(database, parse_event(MINIMAL_EVENT), NOW)
    await import_event(database, parse_event(MINIMAL_EVENT.replace("day-1", "tuesday")), NOW)
    snap = await EventService(database).snapshot()
    assert [d.id for d in snap.days] == ["tuesday"]
    assert {s.day_id for s in snap.sessions} == {"tuesday"}


async def test_a_day_and_a_room_dropped_from_the_file_leave_the_agenda(database) -> None:
    await import_event(database, parse_event(TWO_DAYS), NOW)
    one_day = MINIMAL_EVENT.replace("  - id: side\n    name: Side Room\n", "")
    summary = await import_event(database, parse_event(one_day.split("  - id: talk")[0] + "faq:" + one_day.split("faq:")[1]), NOW)
    assert summary.cancelled == ["talk"]
    snap = await EventService(database).snapshot()
    assert [d.id for d in snap.days] == ["day-1"] and set(snap.rooms) == {"hall"}
    restored = await import_event(database, parse_event(TWO_DAYS), NOW)  # and come back with the file
    assert restored.restored == ["talk"]
    snap = await EventService(database).snapshot()
    assert [d.id for d in snap.days] == ["day-1", "day-2"] and set(snap.rooms) == {"hall", "side"}
