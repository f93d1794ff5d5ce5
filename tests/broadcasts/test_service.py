"""BroadcastService on the real database: who receives a broadcast, in which language, once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import DBAPIError

from bot.answers.reply import Reply
from bot.broadcasts.models import CANCELLED, DONE, SCHEDULED, SENDING
from bot.broadcasts.service import Attachment, Audience, BroadcastError, Released, render_broadcast
from bot.i18n import Translator
from bot.outbox import payload
from bot.outbox.models import SENT
from tests.broadcasts.conftest import World
from tests.faults import refusing_inserts

ORGANISER = 900


async def prepared_draft(world: World, texts: dict[str, str], audience: Audience, send_at=None) -> int:  # type: ignore[no-untyped-def]
    """A draft as the Telegram conversation leaves it at the preview step."""
    draft = await world.broadcasts.start_draft(ORGANISER, ORGANISER)
    updated = await world.broadcasts.update_draft(draft.id, ORGANISER, texts=texts, audience=audience, send_at=send_at, step="preview")
    assert updated is not None
    return draft.id


def texts_of(row) -> list[str]:  # type: ignore[no-untyped-def]
    return [reply.text or (reply.media.caption if reply.media else "") for reply in payload.load(row.payload)]


async def test_every_active_delegate_gets_one_outbox_row_keyed_by_broadcast_and_chat(world: World) -> None:
    for user_id in (1, 2, 3):
        await world.delegate(user_id)
    await world.delegate(4, active=False)  # blocked the bot earlier

    released = await world.broadcasts.create({"en": "Lunch moves to the Orchid Room."}, Audience("all"))

    assert isinstance(released, Released)
    rows = await world.outbox(released.broadcast.id)
    assert [row.chat_id for row in rows] == [1, 2, 3]
    assert {row.kind for row in rows} == {"broadcast"}
    assert {row.source_id for row in rows} == {str(released.broadcast.id)}
    assert [row.dedupe_key for row in rows] == [f"broadcast:{released.broadcast.id}:{chat}" for chat in (1, 2, 3)]
    assert released.broadcast.status == SENDING and released.broadcast.total == 3


async def test_each_delegate_reads_their_language_and_the_untranslated_get_the_default_text_under_a_localised_header(world: World) -> None:
    await world.delegate(1, "en")
    await world.delegate(2, "id")
    await world.delegate(3, "th")

    released = await world.broadcasts.create({"en": "Lunch is served.", "id": "Makan siang disajikan."}, Audience("all"))

    assert isinstance(released, Released)
    english, indonesian, thai = (texts_of(row)[0] for row in await world.outbox(released.broadcast.id))
    assert "Lunch is served." in english
    assert "Makan siang disajikan." in indonesian and "Lunch" not in indonesian
    assert "Lunch is served." in thai
    thai_header = Translator("th", "Asia/Jakarta", "en")._("Announcement from the organisers")
    assert thai.startswith(f"📢 <b>{thai_header}</b>")


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        (Audience("all"), [1, 2, 3, 4]),
        (Audience("lang", "id"), [2, 4]),
        (Audience("country", "JP"), [3]),
        (Audience.parse("country:id"), [1, 2]),
    ],
)
async def test_the_audience_picks_its_delegates(world: World, audience: Audience, expected: list[int]) -> None:
    await world.delegate(1, "en", "ID")
    await world.delegate(2, "id", "ID")
    await world.delegate(3, "en", "JP")
    await world.delegate(4, "id", None)

    released = await world.broadcasts.create({"en": "Hello"}, audience)

    assert isinstance(released, Released)
    assert [row.chat_id for row in await world.outbox(released.broadcast.id)] == expected


@pytest.mark.parametrize("text", ["everyone", "lang:xx", "country:FR", "session:nope", "lang:", "all:x"])
async def test_an_audience_naming_nothing_in_the_event_is_refused(world: World, text: str) -> None:
    with pytest.raises(BroadcastError):
        await world.broadcasts.create({"en": "Hello"}, Audience.parse(text))
    assert await world.outbox() == []


async def test_organiser_text_is_escaped_and_split_at_4096_on_line_boundaries(world: World) -> None:
    await world.delegate(1)
    paragraph = "<b>Bring</b> your badge & passport. " * 25  # 1 300 characters once escaped
    text = "\n".join([paragraph] * 8)

    released = await world.broadcasts.create({"en": text}, Audience("all"))

    assert isinstance(released, Released)
    parts = texts_of((await world.outbox(released.broadcast.id))[0])
    assert len(parts) == 3
    assert all(len(part) <= 4096 for part in parts)
    assert "<b>Bring</b>" not in "".join(parts) and "&lt;b&gt;Bring&lt;/b&gt; your badge &amp; passport." in parts[1]
    assert all(part.rstrip().endswith("passport.") for part in parts)


def test_a_photo_carries_a_short_text_as_caption_and_comes_before_a_long_one() -> None:
    tr = Translator("en", "Asia/Jakarta", "en")
    photo = Attachment("photo", "AgACfile")

    short = render_broadcast(tr, {"en": "The venue map."}, "en", photo)
    long = render_broadcast(tr, {"en": "x " * 800}, "en", photo)

    assert len(short) == 1 and short[0].media is not None and "The venue map." in short[0].media.caption
    assert long[0] == Reply(media=long[0].media) and long[0].media is not None and long[0].media.caption == ""
    assert long[1].text.endswith("x")


async def test_a_draft_is_confirmed_once_and_only_by_its_organiser(world: World) -> None:
    await world.delegate(1)
    draft_id = await prepared_draft(world, {"en": "Hello"}, Audience("all"))

    forged = await world.broadcasts.confirm(draft_id, user_id=1)
    first = await world.broadcasts.confirm(draft_id, ORGANISER)
    again = await world.broadcasts.confirm(draft_id, ORGANISER)

    assert forged is None and again is None
    assert isinstance(first, Released) and first.queued == 1
    assert len(await world.outbox(draft_id)) == 1


async def test_a_draft_not_yet_at_its_preview_cannot_be_confirmed(world: World) -> None:
    draft = await world.broadcasts.start_draft(ORGANISER, ORGANISER)
    await world.broadcasts.update_draft(draft.id, ORGANISER, texts={"en": "Hi"}, step="audience")

    assert await world.broadcasts.confirm(draft.id, ORGANISER) is None


async def test_a_double_press_on_send_releases_the_broadcast_once(world: World) -> None:
    for user_id in range(1, 21):
        await world.delegate(user_id)
    draft_id = await prepared_draft(world, {"en": "Hello"}, Audience("all"))

    outcomes = await asyncio.gather(world.broadcasts.confirm(draft_id, ORGANISER), world.service().confirm(draft_id, ORGANISER))

    assert sorted(isinstance(o, Released) for o in outcomes) == [False, True]
    assert len(await world.outbox(draft_id)) == 20


async def test_the_draft_survives_in_the_database_across_service_instances(world: World) -> None:
    draft = await world.broadcasts.start_draft(ORGANISER, ORGANISER)
    await world.broadcasts.update_draft(draft.id, ORGANISER, texts={"en": "Hi"}, step="audience")

    reopened = await world.service().open_draft(ORGANISER)

    assert reopened is not None and reopened.id == draft.id and reopened.step == "audience" and reopened.texts == {"en": "Hi"}


async def test_a_new_draft_discards_the_unfinished_one(world: World) -> None:
    old = await world.broadcasts.start_draft(ORGANISER, ORGANISER)
    new = await world.broadcasts.start_draft(ORGANISER, ORGANISER)

    assert await world.broadcasts.draft(old.id, ORGANISER) is None
    assert (await world.broadcasts.open_draft(ORGANISER)).id == new.id  # type: ignore[union-attr]


async def test_a_scheduled_broadcast_reaches_whoever_matches_when_it_is_sent(world: World) -> None:
    await world.delegate(1, "id")
    send_at = world.clock.now() + timedelta(hours=3)
    scheduled = await world.broadcasts.create({"en": "Dinner at 19:00"}, Audience("lang", "id"), send_at)
    assert not isinstance(scheduled, Released) and scheduled.status == SCHEDULED
    await world.delegate(2, "id")  # arrives after the broadcast was scheduled

    early = await world.broadcasts.release_due()
    world.clock.advance(hours=3)
    due = await world.broadcasts.release_due()

    assert early == []
    assert [r.broadcast.id for r in due] == [scheduled.id] and due[0].queued == 2
    assert [row.chat_id for row in await world.outbox(scheduled.id)] == [1, 2]


async def test_two_replicas_release_a_scheduled_broadcast_once(world: World) -> None:
    for user_id in range(1, 31):
        await world.delegate(user_id)
    scheduled = await world.broadcasts.create({"en": "Hi"}, Audience("all"), world.clock.now() + timedelta(minutes=5))
    world.clock.advance(minutes=5)

    first, second = await asyncio.gather(world.broadcasts.release_due(), world.service().release_due())

    assert len(first) + len(second) == 1
    assert len(await world.outbox(scheduled.id)) == 30


async def test_cancelling_stops_every_message_not_yet_sent(world: World) -> None:
    for user_id in range(1, 6):
        await world.delegate(user_id)
    released = await world.broadcasts.create({"en": "Hi"}, Audience("all"))
    assert isinstance(released, Released)

    cancelled = await world.broadcasts.cancel(released.broadcast.id)
    again = await world.broadcasts.cancel(released.broadcast.id)
    progress = await world.broadcasts.progress(released.broadcast.id)

    assert cancelled is not None and cancelled.status == CANCELLED and again is None
    assert (progress.total, progress.sent, progress.cancelled, progress.waiting) == (5, 0, 5, 0)


async def test_progress_counts_outbox_rows_and_the_broadcast_finishes_and_reports_once(world: World) -> None:
    for user_id in range(1, 5):
        await world.delegate(user_id)
    broadcast_id = await prepared_draft(world, {"en": "Hi"}, Audience("all"))
    assert isinstance(await world.broadcasts.confirm(broadcast_id, ORGANISER), Released)
    rows = await world.outbox(broadcast_id)

    async with world.database.session() as db:  # what the dispatcher records
        for row, status in zip(rows, [SENT, SENT, SENT, "failed"], strict=True):
            (await db.get(type(row), row.id)).status = status  # type: ignore[union-attr]

    progress = await world.broadcasts.progress(broadcast_id)
    report = lambda done, final: (Reply(f"#{done.id}: {final.sent} sent, {final.failed} failed"),)  # noqa: E731
    finished = await asyncio.gather(world.broadcasts.finish(broadcast_id, report), world.service().finish(broadcast_id, report))

    assert (progress.total, progress.sent, progress.failed, progress.waiting) == (4, 3, 1, 0)
    assert sorted(done is not None for done in finished) == [False, True]
    assert (await world.broadcasts.get(broadcast_id)).status == DONE  # type: ignore[union-attr]
    reports = [row for row in await world.outbox() if row.kind == "notice"]
    assert [(row.chat_id, texts_of(row)) for row in reports] == [(ORGANISER, [f"#{broadcast_id}: 3 sent, 1 failed"])]


async def test_the_progress_message_is_edited_at_most_every_three_seconds_and_only_on_change(world: World) -> None:
    await world.delegate(1)
    released = await world.broadcasts.create({"en": "Hi"}, Audience("all"))
    assert isinstance(released, Released)
    broadcast_id = released.broadcast.id
    progress = await world.broadcasts.progress(broadcast_id)
    changed = type(progress)(progress.total, 1, 0, 0, 0)

    first = await world.broadcasts.claim_progress_edit(broadcast_id, progress)
    unchanged = await world.broadcasts.claim_progress_edit(broadcast_id, progress)
    world.clock.advance(seconds=2)
    too_soon = await world.broadcasts.claim_progress_edit(broadcast_id, changed)
    world.clock.advance(seconds=1)
    in_time = await world.broadcasts.claim_progress_edit(broadcast_id, changed)

    assert (first, unchanged, too_soon, in_time) == (True, False, False, True)


async def test_an_empty_default_text_or_an_unknown_language_is_refused(world: World) -> None:
    with pytest.raises(BroadcastError, match="default language"):
        await world.broadcasts.create({"id": "Halo"}, Audience("all"))
    with pytest.raises(BroadcastError, match="xx"):
        await world.broadcasts.create({"en": "Hi", "xx": "??"}, Audience("all"))


async def test_past_broadcasts_are_listed_newest_first_without_drafts(world: World) -> None:
    first = await world.broadcasts.create({"en": "One"}, Audience("all"))
    await world.broadcasts.start_draft(ORGANISER, ORGANISER)
    second = await world.broadcasts.create({"en": "Two"}, Audience("all"), world.clock.now() + timedelta(hours=1))

    listed = await world.broadcasts.recent()

    assert [view.id for view in listed] == [second.id, first.broadcast.id]  # type: ignore[union-attr]


async def test_a_language_audience_is_read_the_way_people_write_the_code(world: World) -> None:
    await world.delegate(1, "id")

    released = await world.broadcasts.create({"en": "Hi"}, Audience.parse("lang:ID"))

    assert isinstance(released, Released) and str(released.broadcast.audience) == "lang:id"
    assert [row.chat_id for row in await world.outbox(released.broadcast.id)] == [1]


async def test_a_draft_left_alone_for_an_hour_no_longer_takes_the_organisers_messages(world: World) -> None:
    draft = await world.broadcasts.start_draft(ORGANISER, ORGANISER)
    world.clock.advance(minutes=59)
    still_open = await world.broadcasts.open_draft(ORGANISER)
    world.clock.advance(minutes=2)

    assert still_open is not None and still_open.id == draft.id
    assert await world.broadcasts.open_draft(ORGANISER) is None


async def test_a_session_audience_is_the_delegates_subscribed_to_its_reminders(world: World) -> None:
    from bot.event.service import EventService
    from bot.reminders.service import ReminderService

    for user_id in (1, 2, 3):
        await world.delegate(user_id)
    reminders = ReminderService(world.database, EventService(world.database), world.clock.now, 15)
    world.clock.set(datetime.fromisoformat("2019-09-10T08:00:00+07:00"))  # before both sessions
    await reminders.subscribe(1, ["talk"])
    await reminders.subscribe(3, ["talk", "opening"])
    await reminders.subscribe(2, ["opening"])

    released = await world.broadcasts.create({"en": "The talk moves to the Side Room."}, Audience.parse("session:talk"))

    assert isinstance(released, Released)
    assert [row.chat_id for row in await world.outbox(released.broadcast.id)] == [1, 3]


async def test_a_big_batch_is_queued_once_and_counted_right_when_queued_again(world: World) -> None:
    from bot.outbox import service as outbox

    messages = [
        outbox.Outgoing(chat, (Reply("hi"),), "broadcast", f"broadcast:77:{chat}", world.clock.now(), "77")
        for chat in range(1, 251)
    ]
    async with world.database.session() as db:
        first = await outbox.enqueue(db, messages, world.clock.now())
    async with world.database.session() as db:
        again = await outbox.enqueue(db, messages[100:] + messages[:10], world.clock.now())

    assert (first, again) == (250, 0)
    assert len(await world.outbox(77)) == 250


async def test_a_release_that_cannot_queue_its_messages_leaves_the_broadcast_scheduled(world: World) -> None:
    """Fail closed: a broadcast is released only together with its outbox rows."""
    for user_id in range(1, 4):
        await world.delegate(user_id)
    scheduled = await world.broadcasts.create({"en": "Hi"}, Audience("all"), world.clock.now() + timedelta(minutes=5))
    world.clock.advance(minutes=5)

    async with refusing_inserts(world.database, "outbox"):
        with pytest.raises(DBAPIError):
            await world.broadcasts.release_due()
    assert (await world.broadcasts.get(scheduled.id)).status == SCHEDULED  # type: ignore[union-attr]
    released = await world.broadcasts.release_due()

    assert [r.broadcast.id for r in released] == [scheduled.id]
    assert len(await world.outbox(scheduled.id)) == 3
