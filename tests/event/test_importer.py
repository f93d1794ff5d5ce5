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
    async with database.session() as db:
        assert (await db.execute(select(func.count()).select_from(Session))).scalar() == 2


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
