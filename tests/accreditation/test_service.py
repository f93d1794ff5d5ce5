"""Accreditation codes on a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set):
issued hashed, redeemed once, guessing slowed down, revocable, forgotten with the delegate."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot.accreditation import replies
from bot.accreditation.models import AccessCode
from bot.accreditation.service import (
    ALREADY,
    ATTEMPTS,
    LIMITED,
    REVOKED,
    USED,
    VERIFIED,
    WITHDRAWN,
    WRONG,
    AccreditationService,
)
from bot.clock import ManualClock
from bot.db import Database
from bot.delegates.service import DelegateService
from bot.event.service import EventService
from bot.i18n import Translator

DELEGATIONS = ["BN", "ID", "JP", "KR"]


async def _delegate(database: Database, clock: ManualClock, user_id: int) -> DelegateService:
    delegates = DelegateService(database, ["en", "id"], "en")
    await delegates.seen(user_id, user_id, clock.now(), first_name="Ana")
    return delegates


async def test_issued_codes_are_stored_only_as_hashes(loaded_database: Database, clock: ManualClock) -> None:
    service = AccreditationService(loaded_database, clock.now, DELEGATIONS)

    codes = await service.issue("JP", 25)

    assert len(set(codes)) == 25
    async with loaded_database.session() as db:
        rows = list((await db.execute(select(AccessCode))).scalars())
    stored = " ".join(f"{r.code_hash} {r.hint} {r.batch}" for r in rows)
    assert len(rows) == 25 and {r.delegation_id for r in rows} == {"JP"}
    assert not any(code.replace("-", "") in stored.replace("-", "") for code in codes)


async def test_a_code_verifies_its_delegate_once(loaded_database: Database, clock: ManualClock) -> None:
    service = AccreditationService(loaded_database, clock.now, DELEGATIONS)
    delegates = await _delegate(loaded_database, clock, 1)
    await _delegate(loaded_database, clock, 2)
    [code] = await service.issue("JP", 1)

    first = await service.redeem(1, code.lower().replace("-", " "))
    again = await service.redeem(1, code)
    other = await service.redeem(2, code)

    assert (first.outcome, first.delegation_id) == (VERIFIED, "JP")
    assert again.outcome == ALREADY
    assert other.outcome == USED
    ana = await delegates.get(1)
    assert ana is not None and ana.verified and ana.delegation_id == "JP"
    bob = await delegates.get(2)
    assert bob is not None and not bob.verified


async def test_two_people_racing_for_one_code_cannot_both_win(loaded_database: Database, clock: ManualClock) -> None:
    service = AccreditationService(loaded_database, clock.now, DELEGATIONS)
    for user_id in range(10, 20):
        await _delegate(loaded_database, clock, user_id)
    [code] = await service.issue("KR", 1)

    results = await asyncio.gather(*(service.redeem(user_id, code) for user_id in range(10, 20)))

    assert sorted(r.outcome for r in results).count(VERIFIED) == 1
    assert {r.outcome for r in results} == {VERIFIED, USED}


async def test_wrong_codes_are_rate_limited_per_user_and_the_pause_ends(loaded_database: Database, clock: ManualClock) -> None:
    service = AccreditationService(loaded_database, clock.now, DELEGATIONS)
    await _delegate(loaded_database, clock, 3)
    await _delegate(loaded_database, clock, 4)
    [code] = await service.issue("BN", 1)

    wrong = [await service.redeem(3, "AAAA-BBBB-CCCC") for _ in range(ATTEMPTS)]
    blocked = await service.redeem(3, code)  # even the right code waits: guessing must not pay
    someone_else = await service.redeem(4, "AAAA-BBBB-CCCC")
    clock.advance(timedelta(minutes=16))
    later = await service.redeem(3, code)

    assert [r.outcome for r in wrong] == [WRONG] * ATTEMPTS
    assert blocked.outcome == LIMITED and blocked.retry_after is not None
    assert timedelta(0) < blocked.retry_after <= timedelta(minutes=15)
    assert someone_else.outcome == WRONG
    assert later.outcome == VERIFIED


async def test_a_revoked_code_stops_working_and_unverifies_its_holder(loaded_database: Database, clock: ManualClock) -> None:
    service = AccreditationService(loaded_database, clock.now, DELEGATIONS)
    delegates = await _delegate(loaded_database, clock, 5)
    await _delegate(loaded_database, clock, 6)
    lost, used = await service.issue("ID", 2)
    await service.redeem(5, used)

    assert await service.revoke(lost) is not None
    assert await service.revoke(used) is not None
    assert (await service.redeem(6, lost)).outcome == REVOKED
    five = await delegates.get(5)
    assert five is not None and not five.verified
    assert await service.revoke("ZZZZ-ZZZZ-ZZZZ") is None


async def test_the_holder_of_a_revoked_code_is_told_it_was_revoked_not_that_they_are_verified(loaded_database: Database, clock: ManualClock) -> None:
    service = AccreditationService(loaded_database, clock.now, DELEGATIONS)
    delegates = await _delegate(loaded_database, clock, 10)
    [code] = await service.issue("JP", 1)
    assert (await service.redeem(10, code)).outcome == VERIFIED
    await service.revoke(code)

    again = await service.redeem(10, code)

    assert (again.outcome, again.delegation_id) == (WITHDRAWN, "JP")
    ten = await delegates.get(10)
    assert ten is not None and not ten.verified
    snap = await EventService(loaded_database).snapshot()
    for language in ("en", "id", "ms"):
        text = replies.redemption(Translator(language), snap, again).messages[0].text
        already = replies.redemption(Translator(language), snap, replace(again, outcome=ALREADY)).messages[0].text
        assert text != already
    english = replies.redemption(Translator("en"), snap, again).messages[0].text
    assert "revoked" in english and "no longer verified" in english and "already verified" not in english
    assert "revoked" in replies.redemption(Translator("en"), snap, replace(again, outcome=REVOKED)).messages[0].text


async def test_the_summary_counts_codes_per_delegation(loaded_database: Database, clock: ManualClock) -> None:
    service = AccreditationService(loaded_database, clock.now, DELEGATIONS)
    await _delegate(loaded_database, clock, 7)
    jp = await service.issue("JP", 3)
    await service.issue("KR", 2)
    await service.redeem(7, jp[0])
    await service.revoke(jp[1])

    summary = {s.delegation_id: (s.issued, s.used, s.revoked, s.unused) for s in await service.summary()}

    assert summary == {"JP": (3, 1, 1, 1), "KR": (2, 0, 0, 2)}


async def test_forgetting_a_delegate_keeps_the_code_used_but_drops_the_person(loaded_database: Database, clock: ManualClock) -> None:
    service = AccreditationService(loaded_database, clock.now, DELEGATIONS)
    await _delegate(loaded_database, clock, 8)
    [code] = await service.issue("JP", 1)
    await service.redeem(8, code)

    await service.forget(8)

    async with loaded_database.session() as db:
        row = (await db.execute(select(AccessCode))).scalars().one()
    assert row.used_by == 0 and row.used_at is not None
    await _delegate(loaded_database, clock, 9)
    assert (await service.redeem(9, code)).outcome == USED
