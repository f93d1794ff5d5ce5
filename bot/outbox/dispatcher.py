"""The outbox dispatcher: claims due rows, paces them to Telegram's limits, sends, records the outcome.

Every message the bot sends on its own (reminders, broadcasts, helpdesk replies) is an outbox row
first; this is the one place that delivers them. What a caller can rely on:

- Pacing, so that Telegram does not have to refuse: one sending budget for the whole bot, a little
  under OUTBOX_RATE (default 30/s, paced at 97 %), shared by every replica through PostgreSQL or
  Redis (bot/outbox/budget.py; in process with SQLite); about one call per second per chat; and
  calls to many chats in flight at once (up to `max_in_flight`), so the rate is reached even when
  each call takes 100 ms. The budget fails closed: while it cannot be checked nothing is sent.
- Failures: 429 waits `retry_after` (the chat, or everything when several chats are refused at once);
  5xx, time-outs and network errors are retried with exponential backoff (`max_tries` per claim);
  403 means the delegate blocked the bot: the row fails and `on_blocked(chat_id)` marks them inactive;
  any other 400 is final. A row whose `expires_at` has passed is not sent ("expired").
- Durability: rows are claimed in the database with a lease that this process renews; the outcome of
  each call is written as soon as the call returns (a background writer, one transaction per batch).
  A clean stop finishes the calls in flight and hands unsent rows back. After a kill -9 the rows it
  held return to "pending" when their lease runs out, and are sent by whoever runs next.
  The lease fails closed: while this process cannot renew it (the database is away), it starts no
  call once the lease is near its end, and when it renews again after the lease ran out it sends
  only the rows still its own (another replica may have taken the others meanwhile).
  Doubles: only a row that was inside a Telegram call, or whose result was not yet written, when the
  process died can be sent twice: at most `max_in_flight` rows plus the few finished during the last
  write (about rate x write time, one or two). Nothing else is ever sent twice, and nothing is lost.

Telegram's limits are in real seconds, so pacing and retries run on a monotonic clock; the
application clock (a ManualClock in tests) decides what is due and what has expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.clock import Clock, wait_event
from bot.db import Database, log_failure
from bot.logs import who
from bot.outbox.budget import LocalBudget, SendBudget
from bot.outbox.calls import Call, calls_for
from bot.outbox.models import EXPIRED, FAILED, PENDING, SENT
from bot.outbox.pacing import ChatPacer, FloodSignal, Monotonic
from bot.outbox.store import Claimed, OutboxStore, Outcome

log = logging.getLogger(__name__)
OnBlocked = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class DispatcherConfig:
    rate: float = 30.0  # OUTBOX_RATE: Telegram's overall limit for this bot, all replicas together (messages/s)
    headroom: float = 0.97  # pace at this share of `rate`, so that Telegram never has to say 429
    burst: float = 10.0  # the local budget's burst: absorbs the event loop's hiccups (Telegram allows 30)
    per_chat_interval: float = 1.0  # seconds between two calls to one chat
    max_in_flight: int = 8  # concurrent Telegram calls; also the bound on doubles after a kill -9
    lease_seconds: float = 30.0  # how long a claim lasts without renewal (renewed every third of it)
    idle_poll: float = 0.25  # real seconds between looks at the table when nothing is due
    max_local: int = 1000  # rows held in memory at most (claimed, waiting for their chat's turn)
    max_tries: int = 6  # attempts per claim for 5xx, time-outs and network errors
    retry_base: float = 0.5  # first backoff, doubled each time
    retry_cap: float = 30.0
    drain_timeout: float = 15.0  # a clean stop waits this long for calls in flight

    @property
    def paced_rate(self) -> float:
        return self.rate * self.headroom

    @property
    def ready_target(self) -> int:
        """Chats that should be ready to receive at any moment to keep the rate (two seconds' worth)."""
        return max(4, int(self.paced_rate * 2))


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    calls: int = 0
    failed: int = 0
    blocked: int = 0
    expired: int = 0
    retried: int = 0
    refused: int = 0  # 429s received
    released: int = 0
    reclaimed: int = 0
    lost_lease: int = 0  # rows given up because their lease ran out before it could be renewed
    max_in_flight_seen: int = 0
    budget_unavailable: int = 0  # checks of the shared budget that failed (nothing was sent meanwhile)


class Doorbell:
    """Rung by code that has just queued messages in this process, so the dispatcher looks at once
    instead of at its next poll. Ringing is optional: every row is found by polling anyway."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def ring(self) -> None:
        for listener in list(self._listeners):
            listener()

    def listen(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)


@dataclass
class _Job:
    row: Claimed
    calls: list[Call]
    next_call: int = 0
    tries: int = 0
    message_ids: list[int] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        return self.row.chat_id


class Dispatcher:
    def __init__(
        self,
        database: Database,
        bot: Bot,
        clock: Clock,
        config: DispatcherConfig | None = None,
        *,
        on_blocked: OnBlocked | None = None,
        doorbell: Doorbell | None = None,
        worker_id: str | None = None,
        monotonic: Monotonic = time.monotonic,
        budget: SendBudget | None = None,
    ) -> None:
        self.config = config or DispatcherConfig()
        self.store = OutboxStore(database, worker_id)
        self.bot = bot
        self.clock = clock
        self.on_blocked = on_blocked
        self.stats = DispatchStats()
        self._mono = monotonic
        self._budget = budget or LocalBudget(self.config.paced_rate, self.config.burst, monotonic)
        self._budget_down = False
        self._pacer = ChatPacer(self.config.per_chat_interval, monotonic)
        self._flood = FloodSignal(clock=monotonic)
        self._queue: deque[_Job] = deque()
        self._queued_chats: Counter[int] = Counter()
        self._busy: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._results: list[Outcome] = []
        self._wake = asyncio.Event()  # the dispatch loop: a call finished, rows were claimed
        self._feed_wake = asyncio.Event()  # the feeder: the queue moved, or the doorbell rang
        self._rung = False
        self._results_ready = asyncio.Event()
        self._unlisten = doorbell.listen(self._ring) if doorbell is not None else None
        # Until when (application clock) the leases on the rows held here are known to last; None
        # while nothing is held. Calls start only well before it (see _lease_sure).
        self._held_until: datetime | None = None
        self._renew_now = False

    # --- the loop -------------------------------------------------------------------------------

    async def run(self) -> None:
        """Delivers until cancelled; then finishes the calls in flight and hands the rest back.

        Three coroutines share the work so that the database never holds up a send: the feeder claims
        rows (and keeps the leases), the dispatch loop starts calls at the paced rate, the writer
        records outcomes."""
        helpers = [
            asyncio.create_task(self._feed(), name="outbox-feeder"),
            asyncio.create_task(self._write_results(), name="outbox-writer"),
        ]
        try:
            await self._dispatch()
        finally:
            await self._drain(helpers)

    async def _dispatch(self) -> None:
        cfg = self.config
        while True:
            if len(self._tasks) >= cfg.max_in_flight:
                await self._sleep(cfg.idle_poll)
                continue
            if not self._lease_sure():
                self._renew_now = True  # the feeder renews (and checks what is still ours) at once
                self._feed_wake.set()
                await self._sleep(cfg.idle_poll)
                continue
            job, wait = self._pick()
            if job is None:
                self._feed_wake.set()
                await self._sleep(min(wait, cfg.idle_poll))
                continue
            token_wait = await self._take_budget()
            if token_wait > 0:
                await asyncio.sleep(token_wait)
                continue
            # The budget's answer took a moment: pick again (the job may have gone, the lease lapsed).
            # A slot that finds nothing to send is simply not used.
            job, _ = self._pick()
            if job is None or len(self._tasks) >= cfg.max_in_flight or not self._lease_sure():
                continue
            self._start(job)
            self._feed_wake.set()

    async def _take_budget(self) -> float:
        """A slot from the sending budget (0.0), or how long to wait. Fails closed: while the budget
        cannot be checked, the answer is "wait" and nothing is sent."""
        try:
            wait = await self._budget.take()
        except asyncio.CancelledError:
            raise
        except Exception:
            self.stats.budget_unavailable += 1
            if not self._budget_down:
                log_failure(log, "outbox: the sending budget cannot be checked; nothing is sent until it can")
            self._budget_down = True
            return 1.0
        if self._budget_down:
            log.warning("outbox: the sending budget answers again; sending resumes")
            self._budget_down = False
        return wait

    async def _feed(self) -> None:
        """Keeps enough chats ready to send to (two seconds' worth) by claiming rows, and renews leases.
        After a claim that found nothing it waits `idle_poll` (or the doorbell) before looking again."""
        cfg = self.config
        next_maintenance = next_claim = 0.0
        while True:
            now = self._mono()
            if now >= next_maintenance or self._renew_now:
                self._renew_now = False
                await self._maintain()
                next_maintenance = self._mono() + min(cfg.lease_seconds / 3, 2.0)
            if (self._rung or now >= next_claim) and self._wants_more():
                self._rung = False
                if await self._claim():
                    self._wake.set()
                    continue
                next_claim = self._mono() + cfg.idle_poll
            await wait_event(self._feed_wake, cfg.idle_poll)
            self._feed_wake.clear()

    def _wants_more(self) -> bool:
        if len(self._queue) >= self.config.max_local or not self._lease_sure():
            return False
        ready = sum(1 for chat in self._queued_chats if chat not in self._busy and self._pacer.ready_in(chat) <= 1.0)
        return ready < self.config.ready_target

    async def _claim(self) -> bool:
        cfg = self.config
        limit = min(cfg.max_local - len(self._queue), cfg.ready_target)
        now = self.clock.now()
        lease_until = now + timedelta(seconds=cfg.lease_seconds)
        try:
            rows = await self.store.claim(now, limit, lease_until, exclude_chats=set(self._queued_chats) | self._busy)
        except Exception:
            log_failure(log, "could not claim outbox rows; trying again shortly")
            await asyncio.sleep(1.0)
            return False
        if rows and (self._held_until is None or not (self._queue or self._tasks)):
            self._held_until = lease_until  # older rows, if any, keep the earlier (renewed) lease
        for row in rows:
            self._queue.append(_Job(row, calls_for(row.replies)))
            self._queued_chats[row.chat_id] += 1
        self.stats.claimed += len(rows)
        return bool(rows)

    async def _maintain(self) -> None:
        """Renews this process's leases, returns dead processes' rows, expires stale ones."""
        now = self.clock.now()
        try:
            lapsed = self._held_until is not None and now >= self._held_until
            await self.store.renew(now + timedelta(seconds=self.config.lease_seconds))
            if lapsed:
                await self._keep_only_held()
            self._held_until = now + timedelta(seconds=self.config.lease_seconds) if (self._queue or self._tasks) else None
            self.stats.reclaimed += await self.store.reclaim_stuck(now)
            self.stats.expired += await self.store.expire(now)
        except Exception:
            log_failure(log, "outbox maintenance failed; trying again shortly")
        self._pacer.forget_idle()

    def _lease_sure(self) -> bool:
        """False once the leases held here are within a fifth of their length of running out (or
        have): no call starts then, lest another replica, taking the rows over, sends them too."""
        if self._held_until is None or not self._queue:
            return True
        margin = timedelta(seconds=self.config.lease_seconds / 5)
        return self.clock.now() < self._held_until - margin

    async def _keep_only_held(self) -> None:
        """After a lapse of the lease: forgets queued rows that are no longer this process's."""
        held = await self.store.held_ids()
        lost = [job for job in self._queue if job.row.id not in held]
        for job in lost:
            self._dequeue(job)
        if lost:
            self.stats.lost_lease += len(lost)
            log.warning("outbox: the lease on %d rows ran out while the database was away; whoever holds them now sends them", len(lost))

    def _pick(self) -> tuple[_Job | None, float]:
        """The first queued job whose chat may receive now; else how long until one may."""
        seen: set[int] = set()
        wait = float("inf")
        now = self.clock.now()
        expired: list[_Job] = []
        found: _Job | None = None
        for job in self._queue:
            chat = job.chat_id
            if chat in seen:
                continue
            seen.add(chat)
            if chat in self._busy:
                continue
            if job.next_call == 0 and job.row.expires_at is not None and job.row.expires_at <= now:
                expired.append(job)
                continue
            ready_in = self._pacer.ready_in(chat)
            if ready_in <= 0:
                found = job
                break
            wait = min(wait, ready_in)
        for job in expired:
            self._dequeue(job)
            self._finish(job, EXPIRED, "expired before it could be sent")
        return (found, 0.0) if found is not None else (None, 0.0 if expired else wait)

    def _start(self, job: _Job) -> None:
        self._dequeue(job)
        self._pacer.sent(job.chat_id)
        self._busy.add(job.chat_id)
        task = asyncio.create_task(self._send(job), name=f"outbox-{job.row.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self.stats.max_in_flight_seen = max(self.stats.max_in_flight_seen, len(self._tasks))

    def _dequeue(self, job: _Job) -> None:
        self._queue.remove(job)
        self._queued_chats[job.chat_id] -= 1
        if self._queued_chats[job.chat_id] <= 0:
            del self._queued_chats[job.chat_id]

    def _requeue(self, job: _Job) -> None:
        """Back to the front: it was its chat's first job, and a chat's messages keep their order."""
        self._queue.appendleft(job)
        self._queued_chats[job.chat_id] += 1

    # --- one row ----------------------------------------------------------------------------------

    async def _send(self, job: _Job) -> None:
        chat = job.chat_id
        try:
            while job.next_call < len(job.calls):
                if job.next_call > 0:
                    await self._turn(chat)
                call = job.calls[job.next_call]
                self.stats.calls += 1
                message = await call.invoke(self.bot, chat)
                if isinstance(message, Message):  # an edit may answer True, or None when nothing changed
                    job.message_ids.append(message.message_id)
                job.next_call += 1
                job.tries = 0
            self._finish(job, SENT)
        except RetryAfter as exc:
            self._refused(job, exc)
        except Forbidden as exc:
            await self._blocked(job, str(exc))
        except BadRequest as exc:
            log.warning("outbox row %s to chat %s refused: %s", job.row.id, who(chat), exc)
            self._finish(job, FAILED, f"400: {exc}")
        except (TimedOut, NetworkError) as exc:  # 5xx, time-outs, connection errors
            self._transient(job, f"{type(exc).__name__}: {exc}")
        except TelegramError as exc:
            log.warning("outbox row %s to chat %s failed: %s", job.row.id, who(chat), exc)
            self._finish(job, FAILED, f"{type(exc).__name__}: {exc}")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("outbox row %s could not be sent", job.row.id)
            self._finish(job, FAILED, repr(exc))
        finally:
            self._busy.discard(chat)
            self._wake.set()

    async def _turn(self, chat: int) -> None:
        """Waits for the chat's and the bot's next slot (the second and later calls of one row)."""
        while True:
            wait = self._pacer.ready_in(chat)
            if wait <= 0:
                wait = await self._take_budget()
                if wait <= 0:
                    self._pacer.sent(chat)
                    return
            await asyncio.sleep(wait)

    def _refused(self, job: _Job, exc: RetryAfter) -> None:
        after = exc.retry_after
        seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
        self.stats.refused += 1
        self._pacer.hold(job.chat_id, seconds)
        if self._flood.refused(job.chat_id):
            self._budget.pause(seconds)
        log.info("outbox: 429 for chat %s, retry after %ss", who(job.chat_id), seconds)
        self._requeue(job)

    def _transient(self, job: _Job, error: str) -> None:
        job.tries += 1
        if job.tries >= self.config.max_tries:
            log.warning("outbox row %s to chat %s failed %d times, giving up: %s", job.row.id, who(job.chat_id), job.tries, error)
            self._finish(job, FAILED, error)
            return
        delay = min(self.config.retry_cap, self.config.retry_base * 2 ** (job.tries - 1)) * random.uniform(0.8, 1.2)
        log.info("outbox row %s to chat %s: %s; retry %d in %.1fs", job.row.id, who(job.chat_id), error, job.tries, delay)
        self.stats.retried += 1
        self._pacer.hold(job.chat_id, delay)
        self._requeue(job)

    async def _blocked(self, job: _Job, error: str) -> None:
        """403: the delegate blocked the bot. This row and the chat's other held rows fail."""
        chat = job.chat_id
        log.info("outbox: chat %s blocked the bot (%s)", who(chat), error)
        self._finish(job, FAILED, f"blocked: {error}")
        for other in [j for j in self._queue if j.chat_id == chat]:
            self._dequeue(other)
            self._finish(other, FAILED, f"blocked: {error}")
        self.stats.blocked += 1
        if self.on_blocked is not None:
            try:
                await self.on_blocked(chat)
            except Exception:
                log_failure(log, "could not mark chat %s inactive", who(chat))

    def _finish(self, job: _Job, status: str, error: str | None = None) -> None:
        if status == SENT:
            self.stats.sent += 1
        elif status == FAILED:
            self.stats.failed += 1
        elif status == EXPIRED:
            self.stats.expired += 1
        elif status == PENDING:
            self.stats.released += 1
        self._results.append(Outcome(job.row.id, status, self.clock.now(), tuple(job.message_ids), error))
        self._results_ready.set()

    # --- outcomes, waking, stopping ------------------------------------------------------------------

    async def _write_results(self) -> None:
        while True:
            await self._results_ready.wait()
            self._results_ready.clear()
            await self._flush()

    async def _flush(self) -> None:
        batch, self._results = self._results, []
        if not batch:
            return
        try:
            await self.store.record(batch)
        except asyncio.CancelledError:
            self._results = batch + self._results
            raise
        except Exception:
            log_failure(log, "could not record %d outbox outcomes; retrying", len(batch))
            self._results = batch + self._results
            await asyncio.sleep(1.0)
            self._results_ready.set()

    def _ring(self) -> None:
        self._rung = True
        self._feed_wake.set()

    async def _sleep(self, seconds: float) -> None:
        """Sleeps until woken (a call finished, the doorbell rang) or `seconds` passed. The wake-up is
        consumed after waking, so one that came while the loop was busy is never lost."""
        await wait_event(self._wake, max(0.001, seconds))  # never asyncio.wait_for: see wait_event
        self._wake.clear()

    async def _drain(self, helpers: list[asyncio.Task[None]]) -> None:
        """A clean stop: let the calls in flight finish, record them, hand back what was not sent."""
        if self._unlisten is not None:
            self._unlisten()
        for helper in helpers:
            helper.cancel()
        for helper in helpers:
            with contextlib.suppress(asyncio.CancelledError):
                await helper
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=self.config.drain_timeout)
            for task in late:  # a call still hanging: its row is handed back below (it may go twice)
                task.cancel()
            if late:
                await asyncio.wait(late)  # cancelled for real before release_all hands their rows back
        for job in list(self._queue):
            self._dequeue(job)
            self._finish(job, PENDING, job.message_ids and "released with parts sent" or None)
        try:
            await self._flush()
            # A claim interrupted by the stop may have left rows claimed but never queued here.
            self.stats.released += await self.store.release_all()
        except Exception:
            log_failure(log, "could not record the last outbox outcomes; their leases will return them")
        with contextlib.suppress(Exception):
            await self._budget.close()
        log.info("outbox dispatcher stopped: %s", self.stats)
