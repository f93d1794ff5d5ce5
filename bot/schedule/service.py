"""Keeping the programme in step with the organisers' schedule: import with alerts, and the sync.

Every change of the programme goes through `import_with_alerts`: the sessions, the record of the
sync and the alerts it owes are one transaction. The sync (SCHEDULE_URL) re-pulls the export with
conditional requests on one replica at a time (a lease in the database; no lease, no sync). A failing
or broken export keeps the last good programme, is logged and counted, and is reported to the
organisers once per failure, not at every attempt.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.db import Database, affected
from bot.event.service import event_changed
from bot.schedule import alerts
from bot.schedule.fetch import FetchError, fetch
from bot.schedule.importer import ScheduleChanges, ScheduleRefused, apply_schedule
from bot.schedule.models import Lease, ScheduleSource, ScheduleSync
from bot.schedule.parse import ScheduleFormatError, parse_schedule
from bot.schedule.schema import Schedule

log = logging.getLogger(__name__)
LEASE = "schedule-sync"


@dataclass(frozen=True)
class Imported:
    changes: ScheduleChanges
    sync_id: int | None  # None when nothing changed
    told: int  # delegates alerted


async def import_with_alerts(
    database: Database, schedule: Schedule, now: datetime, *, source: str, organiser_ids: Iterable[int] = (),
    timezone: str | None = None,
) -> Imported:
    """Imports the schedule, records the sync and queues its alerts, all in one transaction."""
    try:
        async with database.session() as db:
            changes = await apply_schedule(db, schedule, now, timezone=timezone)
            if not changes.changed:
                return Imported(changes, None, 0)
            row = ScheduleSync(at=now, source=source[:1000], summary=changes.summary, alerts=0)
            db.add(row)
            await db.flush()
            told = await alerts.queue_alerts(db, changes, row.id, now, organiser_ids) if not changes.created_event else 0
            row.alerts = told
            return Imported(changes, row.id, told)
    finally:
        event_changed()  # the snapshots recheck the event's version (harmless when nothing committed)


def holder_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


async def acquire_lease(database: Database, name: str, holder: str, now: datetime, seconds: float) -> bool:
    """True when `holder` holds the lease until now + seconds: it was free, expired, or already its own.
    Atomic on both databases (insert-or-nothing, then a conditional update)."""
    until = now + timedelta(seconds=seconds)
    insert = sqlite.insert if database.is_sqlite else postgresql.insert
    async with database.session() as db:
        created = await db.execute(
            insert(Lease).values(name=name, holder=holder, until=until).on_conflict_do_nothing(index_elements=["name"]))
        if affected(created):
            return True
        taken = await db.execute(
            update(Lease).where(Lease.name == name, or_(Lease.holder == holder, Lease.until <= now))
            .values(holder=holder, until=until).execution_options(synchronize_session=False))
        return bool(affected(taken))


@dataclass
class SyncStats:
    """This process's counts, for /metrics."""

    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


@dataclass(frozen=True)
class SyncOutcome:
    outcome: str  # changed, unchanged, not_modified, failed, not_leader
    imported: Imported | None = None
    error: str | None = None
    problems: int = 0

    @property
    def queued(self) -> bool:
        return self.outcome == "failed" or bool(self.imported and self.imported.sync_id)


class ScheduleService:
    def __init__(
        self, database: Database, now: Callable[[], datetime], url: str, refresh_minutes: float,
        organiser_ids: Iterable[int] = (), *, on_queued: Callable[[], None] | None = None,
    ) -> None:
        self.database = database
        self.now = now
        self.url = url
        self.refresh = timedelta(minutes=refresh_minutes)
        self.organiser_ids = frozenset(organiser_ids)
        self.on_queued = on_queued
        self.holder = holder_id()
        self.stats = SyncStats()
        self.next_at: datetime | None = None  # this process's next attempt (None: at once)

    @property
    def lease_seconds(self) -> float:
        """Long enough to cover a slow sync; short enough that another replica takes over soon."""
        return max(60.0, 2 * self.refresh.total_seconds())

    def due(self) -> bool:
        return self.next_at is None or self.now() >= self.next_at

    async def sync_once(self) -> SyncOutcome:
        """One attempt; never raises for a bad export or URL (that is an outcome, reported)."""
        now = self.now()
        self.next_at = now + self.refresh
        try:
            leader = await acquire_lease(self.database, LEASE, self.holder, now, self.lease_seconds)
        except Exception:
            log.warning("schedule sync: the lease could not be checked; not syncing", exc_info=True)
            leader = False
        if not leader:
            return self._done(SyncOutcome("not_leader"))
        source = await self._source(now)
        try:
            fetched = await fetch(self.url, etag=source.etag, last_modified=source.last_modified)
        except FetchError as exc:
            return await self._failed(f"cannot fetch {self.url}: {exc}", now)
        if fetched.data is None:
            await self._succeeded(now, source.content_hash, fetched.etag, fetched.last_modified)
            return self._done(SyncOutcome("not_modified"))
        digest = hashlib.sha256(fetched.data).hexdigest()
        if digest == source.content_hash:
            await self._succeeded(now, digest, fetched.etag, fetched.last_modified)
            return self._done(SyncOutcome("unchanged"))
        try:
            schedule = parse_schedule(fetched.data)
            imported = await import_with_alerts(self.database, schedule, now, source=self.url, organiser_ids=self.organiser_ids)
        except (ScheduleFormatError, ScheduleRefused) as exc:
            return await self._failed(f"the export from {self.url} cannot be used: {exc}", now)
        for problem in schedule.problems:
            log.warning("schedule sync: entry skipped: %s", problem)
        await self._succeeded(now, digest, fetched.etag, fetched.last_modified)
        log.info("schedule sync: %s", imported.changes.line())
        outcome = SyncOutcome("changed" if imported.sync_id else "unchanged", imported, problems=len(schedule.problems))
        return self._done(outcome)

    def _done(self, outcome: SyncOutcome) -> SyncOutcome:
        self.stats.count(outcome.outcome)
        if outcome.queued and self.on_queued is not None:
            self.on_queued()
        return outcome

    async def _source(self, now: datetime) -> ScheduleSource:
        async with self.database.session() as db:
            row = (await db.execute(select(ScheduleSource).where(ScheduleSource.url == self.url))).scalar()
            if row is None:
                row = ScheduleSource(url=self.url, failures=0, failure_reported=False)
                db.add(row)
                await db.flush()
            return row

    async def _succeeded(self, now: datetime, digest: str | None, etag: str | None, last_modified: str | None) -> None:
        async with self.database.session() as db:
            row = (await db.execute(select(ScheduleSource).where(ScheduleSource.url == self.url).with_for_update())).scalar_one()
            if row.failure_reported:
                await alerts.tell_organisers(db, alerts.organiser_recovered, f"schedule-recovered:{row.id}:{int(now.timestamp())}", now, self.organiser_ids)
            row.checked_at = row.succeeded_at = now
            row.content_hash, row.etag, row.last_modified = digest, etag, last_modified
            row.failing_since, row.last_error, row.failure_reported, row.failures = None, None, False, 0

    async def _failed(self, error: str, now: datetime) -> SyncOutcome:
        log.warning("schedule sync failed; the last good programme stays: %s", error)
        async with self.database.session() as db:
            row = (await db.execute(select(ScheduleSource).where(ScheduleSource.url == self.url).with_for_update())).scalar_one()
            row.checked_at, row.last_error, row.failures = now, error[:2000], (row.failures or 0) + 1
            row.failing_since = row.failing_since or now
            if not row.failure_reported:
                since = row.failing_since
                key = f"schedule-failure:{row.id}:{int(since.timestamp())}"
                await alerts.tell_organisers(db, lambda tr: alerts.organiser_failure(tr, error, since), key, now, self.organiser_ids)
                row.failure_reported = True
        return self._done(SyncOutcome("failed", error=error))

    async def status(self) -> dict[str, Any]:
        """For /healthz: where the programme comes from and whether that works."""
        async with self.database.session() as db:
            row = (await db.execute(select(ScheduleSource).where(ScheduleSource.url == self.url))).scalar()
        if row is None:
            return {"url": self.url, "synced": None}
        return {
            "url": self.url, "ok": row.failing_since is None,
            "last_success": row.succeeded_at.isoformat() if row.succeeded_at else None,
            "failing_since": row.failing_since.isoformat() if row.failing_since else None,
            "last_error": row.last_error, "failures_in_a_row": row.failures,
        }

    def metric_lines(self, status: dict[str, Any] | None) -> list[str]:
        lines = [
            "# HELP assistant_schedule_syncs_total Schedule sync attempts by this process, by outcome.",
            "# TYPE assistant_schedule_syncs_total counter",
            *(f'assistant_schedule_syncs_total{{outcome="{k}"}} {n}' for k, n in sorted(self.stats.outcomes.items())),
        ]
        if status is not None and "ok" in status:
            lines += [
                "# HELP assistant_schedule_failing 1 while the schedule export cannot be fetched or used.",
                "# TYPE assistant_schedule_failing gauge",
                f"assistant_schedule_failing {0 if status['ok'] else 1}",
            ]
        return lines


async def first_import(settings: Any, database: Database, now: datetime) -> str:
    """At the first start with SCHEDULE_URL and an empty database: the export creates the event.
    Without it there is nothing to answer about, so a failure stops the start with its reason."""
    from bot.settings import SettingsError

    try:
        fetched = await fetch(settings.schedule_url)
        schedule = parse_schedule(fetched.data or b"")
        imported = await import_with_alerts(database, schedule, now, source=settings.schedule_url)
    except (FetchError, ScheduleFormatError, ScheduleRefused) as exc:
        raise SettingsError(f"SCHEDULE_URL: the first programme cannot be loaded from {settings.schedule_url}: {exc}") from None
    for problem in schedule.problems:
        log.warning("schedule: entry skipped: %s", problem)
    return imported.changes.line()
