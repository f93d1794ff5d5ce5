"""/forget in the outbox: the rows to a person's chat or about them keep nothing of them (chat, text,
key, message ids), while a broadcast's counts stay right and a row not sent yet is never sent; rows
sent to others about them (a moderator's card) lose their text but stay editable. On the real
database (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.answers.reply import Reply
from bot.clock import ManualClock
from bot.db import Database
from bot.outbox import service as outbox
from bot.outbox.models import CANCELLED, FAILED, PENDING, SENDING, SENT, OutboxMessage
from bot.outbox.service import Outgoing
from bot.outbox.store import OutboxStore, Outcome

PERSON, OTHER = 987_001, 987_002


async def queue(database: Database, clock: ManualClock, chat: int, key: str, status: str, source: str = "broadcast:1") -> int:
    async with database.session() as db:
        await outbox.enqueue(db, [Outgoing(chat, (Reply(f"Hello {chat}, this is {key}"),), "broadcast", key, clock.now(), source_id=source)], clock.now())
        row = (await db.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))).scalar_one()
        row.status = status
        if status == SENT:
            row.telegram_message_ids = [7]
        return row.id


async def rows(database: Database) -> dict[int, OutboxMessage]:
    async with database.session() as db:
        return {r.id: r for r in (await db.execute(select(OutboxMessage))).scalars()}


async def test_rows_to_the_persons_chat_are_erased_and_the_counts_stay(database: Database, clock: ManualClock) -> None:
    ids = {status: await queue(database, clock, PERSON, f"broadcast:1:{PERSON}:{status}", status) for status in (PENDING, SENDING, SENT, FAILED)}
    other = await queue(database, clock, OTHER, f"broadcast:1:{OTHER}", SENT)

    async with database.session() as db:
        erased = await outbox.erase(db, chat_id=PERSON)
        counts = await outbox.counts(db, "broadcast:1")

    after = await rows(database)
    assert erased == 4
    assert {status: after[i].status for status, i in ids.items()} == {PENDING: CANCELLED, SENDING: CANCELLED, SENT: SENT, FAILED: FAILED}
    for i in ids.values():
        row = after[i]
        assert (row.chat_id, row.payload, row.dedupe_key, row.telegram_message_ids) == (0, [], f"erased:{i}", None)
        assert row.source_id == "broadcast:1"
    assert counts == {CANCELLED: 2, SENT: 2, FAILED: 1}
    assert str(PERSON) not in str([vars(r) for r in after.values() if r.id != other])
    assert after[other].chat_id == OTHER and f"Hello {OTHER}" in str(after[other].payload)


async def test_a_row_erased_while_being_sent_keeps_no_outcome(database: Database, clock: ManualClock) -> None:
    """The dispatcher holding the row records its outcome after the erasure: nothing is written back."""
    await queue(database, clock, PERSON, "reminder:1:1", PENDING, source="reminder:1")
    store = OutboxStore(database)
    [claimed] = await store.claim(clock.now(), 10, clock.now() + timedelta(seconds=30))

    async with database.session() as db:
        await outbox.erase(db, chat_id=PERSON)
    await store.record([Outcome(claimed.id, SENT, clock.now(), (42,))])
    assert await store.release_all() == 0

    row = (await rows(database))[claimed.id]
    assert (row.status, row.chat_id, row.telegram_message_ids, row.sent_at) == (CANCELLED, 0, None, None)


async def test_blank_drops_the_text_but_keeps_what_edits_need(database: Database, clock: ManualClock) -> None:
    sent = await queue(database, clock, OTHER, "question:5:moderator:987002", SENT, source="question:5")
    waiting = await queue(database, clock, OTHER + 1, "question:5:moderator:987003", PENDING, source="question:5")
    untouched = await queue(database, clock, OTHER, "question:50:moderator:987002", SENT, source="question:50")

    async with database.session() as db:
        assert await outbox.blank(db, dedupe_prefix="question:5:moderator:") == 2

    after = await rows(database)
    assert (after[sent].status, after[sent].chat_id, after[sent].dedupe_key, after[sent].telegram_message_ids, after[sent].payload) == (
        SENT, OTHER, "question:5:moderator:987002", [7], [])
    assert (after[waiting].status, after[waiting].payload) == (CANCELLED, [])
    assert after[untouched].payload != []


async def test_erase_and_blank_refuse_to_pick_every_row(database: Database) -> None:
    async with database.session() as db:
        with pytest.raises(ValueError, match="which outbox rows"):
            await outbox.erase(db)
        with pytest.raises(ValueError, match="which outbox rows"):
            await outbox.blank(db)
