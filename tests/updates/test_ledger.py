"""The update ledger writes an update's done-mark with the next claim (one write transaction per
update), yet an update handled here is never handled again meanwhile, and nothing waits past
shutdown (both databases)."""

from __future__ import annotations

from sqlalchemy import select

from bot.db import Database
from bot.updates.models import HandledUpdate
from bot.updates.service import UpdateLedger


async def done_marks(database: Database) -> dict[int, bool]:
    async with database.session() as db:
        return {r.update_id: r.done for r in (await db.execute(select(HandledUpdate))).scalars()}


async def test_a_handled_update_is_not_claimed_again_while_its_mark_waits(database: Database) -> None:
    ledger = UpdateLedger(database)
    assert await ledger.claim(1)
    await ledger.done(1)
    assert not await ledger.claim(1)  # a redelivery: already answered here
    assert not await UpdateLedger(database).claim(1)  # another replica: the claim is held
    await ledger.close()


async def test_the_done_mark_rides_with_the_next_claim(database: Database) -> None:
    ledger = UpdateLedger(database)
    assert await ledger.claim(1)
    await ledger.done(1)
    assert await ledger.claim(2)
    assert await done_marks(database) == {1: True, 2: False}
    await ledger.close()


async def test_closing_the_ledger_writes_the_marks_that_wait(database: Database) -> None:
    ledger = UpdateLedger(database)
    assert await ledger.claim(1)
    await ledger.done(1)
    await ledger.close()
    assert await done_marks(database) == {1: True}
    assert not await UpdateLedger(database).claim(1)
