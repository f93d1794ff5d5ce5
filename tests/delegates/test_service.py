"""A delegate's record: who they are, where to write to them, their language, roles and consent,
when they were first and last seen, and whether they can still be reached (both databases)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db import Database
from bot.delegates.models import Delegate
from bot.delegates.service import DelegateService, RoleService

LANGUAGES = ("en", "id", "ms")


async def row(database: Database, user_id: int) -> Delegate:
    async with database.session() as db:
        return (await db.execute(select(Delegate).where(Delegate.user_id == user_id))).scalar_one()


async def test_first_contact_stores_the_person_and_their_telegram_language(database: Database, clock: ManualClock) -> None:
    delegates = DelegateService(database, LANGUAGES, "en")
    view = await delegates.seen(7_000_000_001, 7_000_000_001, clock.now(), first_name="Siti", last_name="Rahma",
                                username="siti_r", language_code="id")
    assert view.is_new and view.language == "id"
    stored = await row(database, 7_000_000_001)
    assert (stored.chat_id, stored.first_name, stored.last_name, stored.username) == (7_000_000_001, "Siti", "Rahma", "siti_r")
    assert (stored.consent, stored.active) == (False, True)
    assert stored.first_seen == stored.last_seen == clock.now()


async def test_later_contact_moves_last_seen_but_not_first_seen(database: Database, clock: ManualClock) -> None:
    delegates = DelegateService(database, LANGUAGES, "en")
    first = clock.now()
    await delegates.seen(5, 5, first, first_name="Ana", language_code="en")
    clock.advance(timedelta(hours=3))
    view = await delegates.seen(5, 5, clock.now(), first_name="Ana", language_code="en")
    stored = await row(database, 5)
    assert not view.is_new
    assert (stored.first_seen, stored.last_seen) == (first, clock.now())


async def test_messages_within_a_minute_keep_last_seen_to_the_minute(database: Database, clock: ManualClock) -> None:
    """A chatting delegate's row is not rewritten per message: last_seen moves once a minute."""
    delegates = DelegateService(database, LANGUAGES, "en")
    first = clock.now()
    await delegates.seen(6, 6, first, first_name="Ana", language_code="en")
    clock.advance(timedelta(seconds=40))
    await delegates.seen(6, 6, clock.now(), first_name="Ana", language_code="en")
    assert (await row(database, 6)).last_seen == first
    clock.advance(timedelta(seconds=30))
    await delegates.seen(6, 6, clock.now(), first_name="Ana", language_code="en")
    assert (await row(database, 6)).last_seen == clock.now()


async def test_only_a_private_chat_is_kept_as_where_to_write_to_the_person(database: Database, clock: ManualClock) -> None:
    """A command typed in a group (the helpdesk group, the delegates' chat) must not make that group
    receive the person's reminders, decisions or moderator cards."""
    delegates = DelegateService(database, LANGUAGES, "en")
    await delegates.seen(5, 5, clock.now(), first_name="Ana")
    in_a_group = await delegates.seen(5, -100_123, clock.now(), first_name="Ana")
    first_in_a_group = await delegates.seen(6, -100_123, clock.now(), first_name="Budi")

    assert in_a_group.chat_id == 5 and (await row(database, 5)).chat_id == 5
    assert first_in_a_group.chat_id == 6 and (await row(database, 6)).chat_id == 6  # their private chat's id


async def test_a_language_the_delegate_chose_outlasts_their_telegram_setting(database: Database, clock: ManualClock) -> None:
    delegates = DelegateService(database, LANGUAGES, "en")
    await delegates.seen(5, 5, clock.now(), language_code="en")
    assert await delegates.set_language(5, "ms")
    assert (await delegates.seen(5, 5, clock.now(), language_code="id")).language == "ms"
    assert not await delegates.set_language(5, "xx")


async def test_an_unsupported_telegram_language_falls_back_to_the_events_default(database: Database, clock: ManualClock) -> None:
    delegates = DelegateService(database, LANGUAGES, "en")
    assert (await delegates.seen(5, 5, clock.now(), language_code="pt-br")).language == "en"


async def test_consent_is_recorded_when_the_privacy_notice_is_shown(database: Database, clock: ManualClock) -> None:
    delegates = DelegateService(database, LANGUAGES, "en")
    await delegates.seen(5, 5, clock.now())
    await delegates.record_consent(5)
    assert (await row(database, 5)).consent is True


async def test_a_delegate_who_blocked_the_bot_is_inactive_until_they_write_again(database: Database, clock: ManualClock) -> None:
    delegates = DelegateService(database, LANGUAGES, "en")
    await delegates.seen(5, 5, clock.now())
    await delegates.mark_inactive(5)
    assert (await row(database, 5)).active is False
    await delegates.seen(5, 5, clock.now())
    assert (await row(database, 5)).active is True


async def test_forgetting_deletes_the_record(database: Database, clock: ManualClock) -> None:
    delegates = DelegateService(database, LANGUAGES, "en")
    await delegates.seen(5, 5, clock.now(), first_name="Ana")
    assert await delegates.forget(5)
    assert await delegates.get(5) is None
    assert not await delegates.forget(5)


async def test_roles_come_from_grants_and_from_organiser_ids(database: Database, clock: ManualClock) -> None:
    roles = RoleService(database, organiser_ids=[42])
    assert await roles.grant(7, "helpdesk", clock.now())
    assert not await roles.grant(7, "helpdesk", clock.now())
    assert await roles.has_role(7, "helpdesk") and not await roles.has_role(7, "organiser")
    assert await roles.has_role(42, "moderator")  # organisers may do what moderators do
    assert (7, "helpdesk", "cli") in await roles.grants()
    assert await roles.revoke(7, "helpdesk") and not await roles.has_role(7, "helpdesk")
