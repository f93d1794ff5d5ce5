"""Organiser broadcasts: drafts, audiences, rendering per language, release into the outbox, progress.

A broadcast is released in one transaction: its audience is resolved (at send time, so a scheduled
broadcast reaches whoever matches when it goes out), one outbox row per recipient is queued with the
dedupe key "broadcast:<id>:<chat_id>", and the broadcast is marked sending. A crash before the
commit leaves it unreleased; after it, the dispatcher delivers the rows. Nothing here knows Telegram.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import Exists

from bot.answers.reply import Media, Reply, b, esc
from bot.answers.split import split_message
from bot.broadcasts.models import CANCELLED, DISCARDED, DONE, DRAFT, SCHEDULED, SENDING, Broadcast
from bot.db import Database, affected
from bot.delegates.models import Delegate
from bot.event.service import EventService, EventSnapshot
from bot.i18n import Translator, normalise_language
from bot.outbox import service as outbox
from bot.outbox.models import CANCELLED as ROW_CANCELLED
from bot.outbox.models import PENDING as ROW_PENDING
from bot.outbox.models import SENDING as ROW_SENDING
from bot.outbox.models import SENT as ROW_SENT
from bot.outbox.service import PRIORITY_BROADCAST, PRIORITY_HELPDESK, Outgoing

log = logging.getLogger(__name__)
KIND = "broadcast"
AUDIENCE_KINDS = ("all", "lang", "country", "session", "verified")
MAX_CAPTION = 1024
PROGRESS_EVERY = timedelta(seconds=3)
RATE_WINDOW = timedelta(seconds=5)
DRAFT_IDLE = timedelta(hours=1)  # an organiser's typed answers count for a draft this long after its last step


class BroadcastError(ValueError):
    """A broadcast cannot be made as asked (unknown language, country or session; empty text...)."""


@dataclass(frozen=True)
class Audience:
    """Who receives a broadcast: all delegates, one language, one delegation, one session's subscribers,
    or the verified (accredited) delegates."""

    kind: str
    value: str | None = None

    @classmethod
    def parse(cls, text: str) -> Audience:
        """"all", "lang:id", "country:JP", "session:opening", "verified" (as the CLI and the database write it)."""
        kind, _, value = text.strip().partition(":")
        kind = {"language": "lang", "delegation": "country"}.get(kind.lower(), kind.lower())
        if kind not in AUDIENCE_KINDS:
            raise BroadcastError(f"unknown audience {text!r}: use all, lang:CODE, country:ISO, session:ID or verified")
        if kind in ("all", "verified"):
            if value:
                raise BroadcastError(f"audience {kind!r} takes no value (got {text!r})")
            return cls(kind)
        if not value.strip():
            raise BroadcastError(f"audience {kind!r} needs a value, e.g. {kind}:{_EXAMPLE[kind]}")
        value = value.strip()
        return cls(kind, value.upper() if kind == "country" else value)

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"


_EXAMPLE = {"lang": "id", "country": "JP", "session": "opening"}


@dataclass(frozen=True)
class Attachment:
    """A photo or document the organiser sent to the bot, re-sent to everyone by its file_id."""

    kind: str  # photo or document
    file_id: str
    filename: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "file_id": self.file_id, "filename": self.filename}


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    failed: int  # blocked included
    cancelled: int
    waiting: int  # pending or being sent right now
    blocked: int = 0  # failed because the delegate blocked the bot

    @property
    def finished(self) -> bool:
        return self.waiting == 0

    def key(self) -> str:
        return f"{self.total}/{self.sent}/{self.failed}/{self.cancelled}/{self.waiting}"


@dataclass(frozen=True)
class BroadcastView:
    id: int
    origin: str
    created_by: int | None
    sent_by: str | None
    chat_id: int | None
    status: str
    step: str | None
    texts: dict[str, str]
    attachment: Attachment | None
    audience: Audience | None
    send_at: datetime | None
    total: int
    progress_message_id: int | None
    created_at: datetime
    released_at: datetime | None
    finished_at: datetime | None

    @property
    def running(self) -> bool:
        return self.status in (SCHEDULED, SENDING)


Report = Callable[["BroadcastView", Progress], tuple[Reply, ...]]  # the organiser's final report


@dataclass(frozen=True)
class Released:
    """A broadcast just handed to the outbox: who should see its progress, and how many it reaches."""

    broadcast: BroadcastView
    queued: int


@dataclass(frozen=True)
class AudienceSize:
    total: int
    by_language: dict[str, int] = field(default_factory=dict)


def _view(row: Broadcast) -> BroadcastView:
    attachment = Attachment(row.attachment["kind"], row.attachment["file_id"], row.attachment.get("filename")) if row.attachment else None
    return BroadcastView(
        id=row.id, origin=row.origin, created_by=row.created_by, sent_by=row.sent_by, chat_id=row.chat_id, status=row.status,
        step=row.step, texts=dict(row.texts or {}), attachment=attachment,
        audience=Audience.parse(row.audience) if row.audience else None, send_at=row.send_at, total=row.total,
        progress_message_id=row.progress_message_id, created_at=row.created_at, released_at=row.released_at,
        finished_at=row.finished_at,
    )


# --------------------------------------------------------------------------------- rendering


def render_broadcast(
    tr: Translator, texts: dict[str, str], default_language: str, attachment: Attachment | None = None
) -> tuple[Reply, ...]:
    """The messages one recipient gets, in their language: a localised header, then the organiser's
    text in that language or, without a translation, in the event's default language. The text is
    escaped (organisers write plain text) and split at 4096 at a line or sentence boundary."""
    text = texts.get(tr.language) or texts.get(default_language) or next(iter(texts.values()), None) or ""
    header = tr._("Announcement from the organisers")  # outside the f-string, where Babel's extractor finds it
    body = f"📢 {b(header)}\n\n{esc(text.strip())}"
    if attachment is None:
        return tuple(Reply(part) for part in split_message(body))
    if len(body) <= MAX_CAPTION:
        return (Reply(media=Media(attachment.kind, attachment.file_id, body)),)
    return (Reply(media=Media(attachment.kind, attachment.file_id)), *(Reply(part) for part in split_message(body)))


# ------------------------------------------------------------------------------------ service


class BroadcastService:
    def __init__(
        self, database: Database, events: EventService, languages: Iterable[str], now: Callable[[], datetime],
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        """`on_queued` is called after outbox rows were committed (the outbox doorbell: delivery starts at
        once instead of at the dispatcher's next look)."""
        self.database = database
        self.events = events
        self.languages = tuple(languages)
        self.now = now
        self.on_queued = on_queued

    def _queued(self) -> None:
        if self.on_queued is not None:
            self.on_queued()

    # --- audiences ----------------------------------------------------------------------------
    async def check_audience(self, audience: Audience) -> Audience:
        """The audience in canonical form (lang:zh-hans -> lang:zh_Hans); raises BroadcastError naming
        what is wrong when it names nothing in this event."""
        snap = await self.events.snapshot()
        if audience.kind == "lang":
            language = normalise_language(audience.value, self.languages)
            if language is None:
                raise BroadcastError(f"unknown language {audience.value!r}: the event's languages are {', '.join(self.languages)}")
            return Audience("lang", language)
        if audience.kind == "country" and audience.value not in {d[0] for d in snap.delegations}:
            known = ", ".join(d[0] for d in snap.delegations) or "none in the event file"
            raise BroadcastError(f"unknown delegation {audience.value!r}: the event's delegations are {known}")
        if audience.kind == "session" and audience.value not in {s.id for s in snap.sessions}:
            raise BroadcastError(f"unknown session {audience.value!r}: see the session ids in the event file")
        return audience

    async def audience_size(self, audience: Audience) -> AudienceSize:
        async with self.database.session() as db:
            recipients = await self._recipients(db, audience)
        by_language = Counter(language for _, language in recipients)
        return AudienceSize(len(recipients), dict(by_language))

    async def _recipients(self, db: AsyncSession, audience: Audience) -> list[tuple[int, str]]:
        """(chat id, language) of each active delegate the audience names, once per chat."""
        query = select(Delegate.chat_id, Delegate.language).where(Delegate.active.is_(True))
        if audience.kind == "lang":
            query = query.where(Delegate.language == audience.value)
        elif audience.kind == "country":
            query = query.where(Delegate.delegation_id == audience.value)
        elif audience.kind == "session":
            query = query.where(Delegate.user_id.in_(_session_subscribers(audience.value or "")))
        elif audience.kind == "verified":
            query = query.where(Delegate.verified.is_(True))
        rows = (await db.execute(query.order_by(Delegate.user_id))).all()
        seen: dict[int, str] = {}
        for chat_id, language in rows:
            seen.setdefault(int(chat_id), language)
        return list(seen.items())

    # --- drafts (the Telegram conversation) --------------------------------------------------
    async def start_draft(self, user_id: int, chat_id: int) -> BroadcastView:
        """A new draft for this organiser; an unfinished earlier one is discarded (one at a time)."""
        now = self.now()
        async with self.database.session() as db:
            await db.execute(
                update(Broadcast).where(Broadcast.created_by == user_id, Broadcast.status == DRAFT)
                .values(status=DISCARDED, updated_at=now)
            )
            row = Broadcast(origin="telegram", created_by=user_id, chat_id=chat_id, status=DRAFT, step="text",
                            texts={}, total=0, created_at=now, updated_at=now)
            db.add(row)
            await db.flush()
            return _view(row)

    async def draft(self, draft_id: int, user_id: int) -> BroadcastView | None:
        """The draft, only if this user owns it and it is still a draft (forged ids get None)."""
        async with self.database.session() as db:
            row = await self._draft_row(db, draft_id, user_id)
            return _view(row) if row else None

    def draft_open(self, user_id: int) -> Exists:
        """SQL: this user has a draft that `open_draft` would return (asked with the other
        features' flows in one SELECT per message)."""
        return exists().where(and_(
            Broadcast.created_by == user_id, Broadcast.status == DRAFT, Broadcast.updated_at >= self.now() - DRAFT_IDLE,
        ))

    async def open_draft(self, user_id: int) -> BroadcastView | None:
        """This user's draft in progress, if touched within DRAFT_IDLE (one indexed query: it runs for
        every private message). An abandoned draft must not swallow tomorrow's questions as its text."""
        async with self.database.session() as db:
            row = (await db.execute(
                select(Broadcast).where(
                    Broadcast.created_by == user_id, Broadcast.status == DRAFT, Broadcast.updated_at >= self.now() - DRAFT_IDLE
                ).order_by(Broadcast.id.desc()).limit(1)
            )).scalar_one_or_none()
            return _view(row) if row else None

    async def update_draft(self, draft_id: int, user_id: int, *, expect: Iterable[str] | None = None, **changes: Any) -> BroadcastView | None:
        """Changes a draft this user owns, if its conversation is at one of the `expect`ed steps.

        None means the draft is gone, not theirs, or already past that step: a stale or forged button.
        """
        async with self.database.session() as db:
            row = await self._draft_row(db, draft_id, user_id)
            if row is None or (expect is not None and row.step not in set(expect)):
                return None
            if "audience" in changes and isinstance(changes["audience"], Audience):
                changes["audience"] = str(await self.check_audience(changes["audience"]))
            if "attachment" in changes and isinstance(changes["attachment"], Attachment):
                changes["attachment"] = changes["attachment"].to_json()
            if "translation" in changes:
                language, text = changes.pop("translation")
                changes["texts"] = {**(row.texts or {}), language: text}
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = self.now()
            await db.flush()
            return _view(row)

    async def discard(self, draft_id: int, user_id: int) -> bool:
        async with self.database.session() as db:
            result = await db.execute(
                update(Broadcast).where(Broadcast.id == draft_id, Broadcast.created_by == user_id, Broadcast.status == DRAFT)
                .values(status=DISCARDED, updated_at=self.now())
            )
            return bool(affected(result))

    async def confirm(self, draft_id: int, user_id: int, progress_message_id: int | None = None) -> Released | BroadcastView | None:
        """The organiser pressed Send: released now (Released) or scheduled (its view).

        Only the owner's draft at the preview step can be confirmed, once; anything else gives None.
        `progress_message_id` is the message the broadcast loop turns into the live progress (the
        confirmation itself): recorded here, so that only the loop ever edits it and edits never race.
        """
        now = self.now()
        snap = await self.events.snapshot()
        async with self.database.session() as db:
            # The claim is the transaction's first statement: a double press or a second replica waits
            # for it and then finds nothing to claim.
            claimed = await db.execute(
                update(Broadcast).where(
                    Broadcast.id == draft_id, Broadcast.created_by == user_id, Broadcast.status == DRAFT,
                    Broadcast.step == "preview", Broadcast.audience.isnot(None),
                ).values(step=None, updated_at=now)
            )
            if not affected(claimed):
                return None
            row = await db.get(Broadcast, draft_id)
            assert row is not None
            if row.send_at is not None and row.send_at > now:
                row.status = SCHEDULED
                await db.flush()
                return _view(row)
            row.progress_message_id = progress_message_id
            queued = await self._release(db, row, snap, now)
            released = Released(_view(row), queued)
        self._queued()
        return released

    async def _draft_row(self, db: AsyncSession, draft_id: int, user_id: int) -> Broadcast | None:
        query = select(Broadcast).where(Broadcast.id == draft_id, Broadcast.created_by == user_id, Broadcast.status == DRAFT)
        return (await db.execute(query)).scalar_one_or_none()

    # --- broadcasts from the CLI and the console ----------------------------------------------
    async def create(self, texts: dict[str, str], audience: Audience, send_at: datetime | None = None,
                     attachment: Attachment | None = None, *, origin: str = "cli", sent_by: str | None = None,
                     form_key: str | None = None) -> Released | BroadcastView:
        """A broadcast made in one go (the terminal, the console): released at once, or scheduled when
        `send_at` lies ahead. `sent_by` records who sent it; a `form_key` already used (the console's
        form submitted twice) sends nothing more and gives the broadcast it made."""
        await self.check_texts(texts)
        audience = await self.check_audience(audience)
        now = self.now()
        snap = await self.events.snapshot()
        async with self.database.session() as db:
            if form_key is not None:
                earlier = (await db.execute(select(Broadcast).where(Broadcast.form_key == form_key))).scalar_one_or_none()
                if earlier is not None:
                    return _view(earlier)
            row = Broadcast(origin=origin, status=SCHEDULED, texts=texts, audience=str(audience), send_at=send_at, sent_by=sent_by,
                            form_key=form_key, attachment=attachment.to_json() if attachment else None, total=0,
                            created_at=now, updated_at=now)
            db.add(row)
            await db.flush()
            if send_at is not None and send_at > now:
                return _view(row)
            queued = await self._release(db, row, snap, now)
            released = Released(_view(row), queued)
        self._queued()
        return released

    async def check_texts(self, texts: dict[str, str]) -> None:
        snap = await self.events.snapshot()
        if not (texts.get(snap.default_language) or "").strip():
            raise BroadcastError(f"the text in the event's default language ({snap.default_language}) is empty")
        unknown = sorted(set(texts) - set(self.languages))
        if unknown:
            raise BroadcastError(f"no such event language: {', '.join(unknown)} (the event's languages are {', '.join(self.languages)})")

    # --- release -------------------------------------------------------------------------------
    async def release_due(self) -> list[Released]:
        """Releases every scheduled broadcast whose time has come (the scheduled loop calls this).

        Each is claimed by its status change inside the same transaction as its outbox rows, so two
        replicas never both release one, and a crash releases none of it.
        """
        now = self.now()
        async with self.database.session() as db:
            due = list((await db.execute(
                select(Broadcast.id).where(Broadcast.status == SCHEDULED, Broadcast.send_at <= now).order_by(Broadcast.send_at)
            )).scalars())
        released: list[Released] = []
        if not due:
            return released
        snap = await self.events.snapshot()
        for broadcast_id in due:
            async with self.database.session() as db:
                claimed = await db.execute(
                    update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == SCHEDULED)
                    .values(status=SENDING, updated_at=now)
                )
                if not affected(claimed):
                    continue
                row = await db.get(Broadcast, broadcast_id)
                assert row is not None
                queued = await self._release(db, row, snap, now)
                released.append(Released(_view(row), queued))
            self._queued()
        return released

    async def _release(self, db: AsyncSession, row: Broadcast, snap: EventSnapshot, now: datetime) -> int:
        audience = Audience.parse(row.audience or "all")
        recipients = await self._recipients(db, audience)
        attachment = _view(row).attachment
        rendered: dict[str, tuple[Reply, ...]] = {}
        messages = []
        for chat_id, language in recipients:
            if language not in rendered:
                tr = Translator(language, snap.timezone, snap.default_language)
                rendered[language] = render_broadcast(tr, row.texts, snap.default_language, attachment)
            messages.append(Outgoing(
                chat_id=chat_id, replies=rendered[language], kind=KIND, dedupe_key=f"broadcast:{row.id}:{chat_id}",
                not_before=now, source_id=str(row.id), priority=PRIORITY_BROADCAST,
            ))
        queued = await outbox.enqueue(db, messages, now)
        row.status, row.total, row.released_at, row.updated_at = SENDING, len(recipients), now, now
        log.info("broadcast %s released to %d recipients (%s)", row.id, len(recipients), audience)
        return queued

    # --- progress, cancel, history -------------------------------------------------------------
    async def get(self, broadcast_id: int) -> BroadcastView | None:
        async with self.database.session() as db:
            row = await db.get(Broadcast, broadcast_id)
            return _view(row) if row and row.status not in (DRAFT, DISCARDED) else None

    async def progress(self, broadcast_id: int) -> Progress:
        async with self.database.session() as db:
            row = await db.get(Broadcast, broadcast_id)
            counts = await outbox.counts(db, str(broadcast_id))
            blocked = await outbox.blocked(db, str(broadcast_id))
        total = row.total if row is not None else 0
        sent = counts.get(ROW_SENT, 0)
        waiting = counts.get(ROW_PENDING, 0) + counts.get(ROW_SENDING, 0)
        cancelled = counts.get(ROW_CANCELLED, 0)
        failed = sum(counts.values()) - sent - waiting - cancelled
        return Progress(max(total, sum(counts.values())), sent, failed, cancelled, waiting, blocked)

    async def send_rate(self, broadcast_id: int, window: timedelta = RATE_WINDOW) -> float:
        """Messages sent per second over the last `window` (what the console compares with Telegram's 30/s)."""
        now = self.now()
        async with self.database.session() as db:
            sent = await outbox.sent_since(db, str(broadcast_id), now - window)
        return sent / window.total_seconds()

    async def sending(self) -> list[BroadcastView]:
        async with self.database.session() as db:
            rows = (await db.execute(select(Broadcast).where(Broadcast.status == SENDING).order_by(Broadcast.id))).scalars()
            return [_view(row) for row in rows]

    async def attach_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        async with self.database.session() as db:
            await db.execute(update(Broadcast).where(Broadcast.id == broadcast_id).values(chat_id=chat_id, progress_message_id=message_id))

    async def claim_progress_edit(self, broadcast_id: int, progress: Progress, every: timedelta = PROGRESS_EVERY) -> bool:
        """True when the progress message may be edited now: the counts changed and the last edit is
        at least `every` ago. The claim is one UPDATE, so replicas and restarts keep to the pace."""
        now = self.now()
        async with self.database.session() as db:
            result = await db.execute(
                update(Broadcast).where(
                    Broadcast.id == broadcast_id, Broadcast.status == SENDING,
                    (Broadcast.progress_edited_at.is_(None)) | (Broadcast.progress_edited_at <= now - every),
                    (Broadcast.progress_shown.is_(None)) | (Broadcast.progress_shown != progress.key()),
                ).values(progress_edited_at=now, progress_shown=progress.key())
            )
            return bool(affected(result))

    async def finish(self, broadcast_id: int, report: Report | None = None) -> BroadcastView | None:
        """Marks a sending broadcast done once nothing is left to send, and queues the organiser's final
        report (`report(done, progress)`) in the same transaction: whoever finishes it reports it, once,
        even if the process dies right after. None when it is not finished, or already was."""
        progress = await self.progress(broadcast_id)
        if not progress.finished:
            return None
        now = self.now()
        async with self.database.session() as db:
            result = await db.execute(
                update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == SENDING)
                .values(status=DONE, finished_at=now, updated_at=now)
            )
            if not affected(result):
                return None
            row = await db.get(Broadcast, broadcast_id)
            assert row is not None
            done = _view(row)
            if report is not None and done.chat_id is not None:
                await outbox.enqueue(db, [Outgoing(
                    chat_id=done.chat_id, replies=report(done, progress), kind="notice",
                    dedupe_key=f"broadcast-report:{done.id}", not_before=now, priority=PRIORITY_HELPDESK,
                )], now)
        log.info("broadcast %s finished: %s", broadcast_id, progress)
        if report is not None and done.chat_id is not None:
            self._queued()
        return done

    async def cancel(self, broadcast_id: int) -> BroadcastView | None:
        """Stops a scheduled or sending broadcast: rows not yet sent are cancelled (the few in flight
        still arrive). None when it is not running (already done, cancelled, or unknown)."""
        now = self.now()
        async with self.database.session() as db:
            result = await db.execute(
                update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status.in_([SCHEDULED, SENDING]))
                .values(status=CANCELLED, finished_at=now, updated_at=now)
            )
            if not affected(result):
                return None
            await outbox.cancel(db, source_id=str(broadcast_id))
            row = await db.get(Broadcast, broadcast_id)
            assert row is not None
            log.info("broadcast %s cancelled", broadcast_id)
            return _view(row)

    async def recent(self, limit: int = 10) -> list[BroadcastView]:
        async with self.database.session() as db:
            rows = (await db.execute(
                select(Broadcast).where(Broadcast.status.notin_([DRAFT, DISCARDED])).order_by(Broadcast.id.desc()).limit(limit)
            )).scalars()
            return [_view(row) for row in rows]


def _session_subscribers(session_id: str) -> Any:
    """The user ids subscribed to reminders of one session (the reminders feature's table)."""
    try:
        from bot.reminders.models import Reminder
    except ImportError:
        raise BroadcastError("session audiences need the reminders feature, which is not installed") from None
    return select(Reminder.user_id).where(Reminder.session_id == session_id)
