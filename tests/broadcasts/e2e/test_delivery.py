"""A confirmed broadcast goes out through the outbox dispatcher: every delegate once, in their language;
the organiser watches one progress message and gets a final report; a running broadcast can be stopped."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from bot.broadcasts.feature import Broadcasts
from bot.delegates.models import Delegate
from tests.broadcasts.e2e.test_conversation import WAIT, compose, known_delegates, reply_where
from tests.e2e.conftest import ORGANISER_ID

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def announcements(harness, chats: list[int]) -> Counter[int]:  # type: ignore[no-untyped-def]
    """Announcements each chat received, from the emulator's record of successful calls."""
    wanted = set(chats)
    return Counter(
        c.chat_id for c in harness.emu.calls
        if c.method in ("sendMessage", "sendPhoto") and c.status == 200 and c.chat_id in wanted
        and str(c.params.get("text") or c.params.get("caption") or "").startswith("📢")  # the header, in the delegate's language
    )


async def until(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def progress_showing(harness, message_id: int, wanted: str):  # type: ignore[no-untyped-def]
    """The organiser's progress message once it shows `wanted`. The final edit may land just after the
    report: the report goes out through the outbox, the edit straight from the broadcast loop."""
    def current():  # type: ignore[no-untyped-def]
        return next(m for m in harness.emu.sent_messages(ORGANISER_ID) if m.message_id == message_id)

    shown = await harness.emu.state.changed.wait_for(lambda: wanted in (current().text or ""), WAIT)
    assert shown, f"the progress message never showed {wanted!r}: {current().text!r}"
    return current()


async def test_every_delegate_receives_the_announcement_once_in_their_language_and_the_organiser_a_report(harness) -> None:
    people = await known_delegates(harness, {6001: "en", 6002: "id", 6003: "th"})
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")
    composed = await compose(organiser, "Buses leave at 17:30.", translations={"Bahasa Indonesia": "Bus berangkat pukul 17.30."})

    await organiser.press(composed.confirmation, "✅ Send to 4 delegates")
    report = await reply_where(organiser, "is finished")

    english, indonesian, thai = [await people[user].next_reply(timeout=WAIT) for user in (6001, 6002, 6003)]
    assert "Buses leave at 17:30." in (english.text or "")
    assert "Bus berangkat pukul 17.30." in (indonesian.text or "") and "Buses" not in (indonesian.text or "")
    assert "Buses leave at 17:30." in (thai.text or "")
    assert "4 / 4 sent, 0 failed" in (report.text or "")
    progress = await progress_showing(harness, composed.confirmation.message_id, "4 / 4 sent, 0 failed")
    assert not progress.buttons
    for person in people.values():
        await person.expect_silence(within=0.5)
    assert set(announcements(harness, [6001, 6002, 6003]).values()) == {1}


async def test_a_delegate_who_blocked_the_bot_is_counted_as_failed_and_no_longer_messaged(harness) -> None:
    people = await known_delegates(harness, {6011: "en", 6012: "en"})
    people[6012].block()
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")
    composed = await compose(organiser, "Shuttle to the airport at 16:00.")

    await organiser.press(composed.confirmation, "✅ Send to 3 delegates")
    report = await reply_where(organiser, "is finished")

    assert "2 / 3 sent, 1 failed" in (report.text or "")
    assert "blocked the bot" in (report.text or "")
    async with harness.services.database.session() as db:
        assert (await db.get(Delegate, 6012)).active is False  # type: ignore[union-attr]


async def test_progress_is_one_message_edited_at_most_every_three_seconds(harness) -> None:
    recipients = list(range(6100, 6190))
    await known_delegates(harness, {user: "en" for user in recipients})
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")
    composed = await compose(organiser, "Coffee is served in the foyer.")
    started = harness.clock.now()

    await organiser.press(composed.confirmation, "✅ Send to 91 delegates")
    report_seen = asyncio.create_task(reply_where(organiser, "is finished", limit=200))
    while not report_seen.done():  # the bot's clock runs 10x faster than real time
        harness.clock.advance(seconds=0.5)
        await asyncio.sleep(0.05)
    report = report_seen.result()
    await progress_showing(harness, composed.confirmation.message_id, "91 / 91 sent, 0 failed")

    elapsed = (harness.clock.now() - started).total_seconds()
    edits = [m for m in organiser.replies if m.edited and m.message_id == composed.confirmation.message_id]
    counts = [(m.text or "").split("\n")[1] for m in edits]
    assert "91 / 91 sent, 0 failed" in (report.text or "")
    sent = [int(line.split(" / ")[0]) for line in counts]
    assert sent == sorted(sent) and counts[-1] == "91 / 91 sent, 0 failed"
    assert 3 <= len(edits) <= elapsed / 3 + 2, f"{len(edits)} edits in {elapsed:.0f} s of the bot's clock"
    assert len(set(counts)) == len(counts), "an edit always shows new counts"
    assert set(announcements(harness, recipients).values()) == {1}


async def test_a_running_broadcast_is_cancelled_with_its_button(harness) -> None:
    recipients = list(range(6200, 6500))
    await known_delegates(harness, {user: "en" for user in recipients})
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")
    composed = await compose(organiser, "Ignore this one.")

    await organiser.press(composed.confirmation, "✅ Send to 301 delegates")
    await reply_where(organiser, "Announcement #")  # the confirmation became the progress message
    await until(lambda: sum(announcements(harness, recipients).values()) >= 30)
    await organiser.press(composed.confirmation, "Cancel this broadcast")
    note = await reply_where(organiser, "is cancelled")
    while (await harness.services.features.get(Broadcasts).service.progress(composed.draft_id)).waiting:
        await asyncio.sleep(0.05)  # messages in flight at the cancel still land
    delivered = sum(announcements(harness, recipients).values())
    await asyncio.sleep(1.0)
    progress = await harness.services.features.get(Broadcasts).service.progress(composed.draft_id)

    assert 30 <= delivered < 300
    assert sum(announcements(harness, recipients).values()) == delivered, "nothing more goes out"
    assert progress.sent + progress.cancelled == 301 and progress.cancelled > 0
    shown = next(m for m in harness.emu.sent_messages(ORGANISER_ID) if m.message_id == composed.confirmation.message_id)
    assert "cancelled" in (shown.text or "") and not shown.buttons
    assert "not yet sent will not go out" in (note.text or "")
    await organiser.command("/broadcasts")
    listing = await reply_where(organiser, "Announcements")
    assert f"#{composed.draft_id}" in (listing.text or "") and "cancelled" in (listing.text or "")


async def test_a_language_audience_reaches_only_that_language(harness) -> None:
    people = await known_delegates(harness, {6301: "en", 6302: "id", 6303: "id"})
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")
    composed = await compose(organiser, "Sesi bahasa Indonesia di Ruang 2.", audience=("One language", "Bahasa Indonesia"))

    await organiser.press(composed.confirmation, "✅ Send to 2 delegates")
    await reply_where(organiser, "is finished")

    assert announcements(harness, [6301, 6302, 6303]) == Counter({6302: 1, 6303: 1})
    await people[6301].expect_silence(within=0.3)

