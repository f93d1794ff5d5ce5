"""/broadcast in Telegram, end to end: the real bot polling the Bot API emulator, organisers and
delegates typing and pressing buttons. Who may broadcast, what they see before confirming, and that
forged buttons and restarts change nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bot.broadcasts.feature import Broadcasts
from bot.broadcasts.models import DRAFT, SCHEDULED, Broadcast
from bot.logs import who
from bot.outbox.models import OutboxMessage
from bot.telegram.emulator.state import SentMessage
from bot.telegram.emulator.users import EmulatedUser
from tests.e2e.conftest import ORGANISER_ID

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
WAIT = 20


@dataclass
class Composed:
    confirmation: SentMessage
    previews: list[SentMessage] = field(default_factory=list)

    @property
    def draft_id(self) -> int:
        data = next(b.callback_data for row in self.confirmation.buttons for b in row if b.text.startswith("✅"))
        return int((data or "").split(":")[1])


async def known_delegates(harness, people: dict[int, str]) -> dict[int, EmulatedUser]:  # type: ignore[no-untyped-def]
    """Delegates who have talked to the bot before (their language comes from Telegram)."""
    users = {}
    for user_id, language in people.items():
        users[user_id] = harness.user(user_id, f"D{user_id}", language_code=language)
        await harness.services.delegates.seen(user_id, user_id, harness.clock.now(), first_name=f"D{user_id}", language_code=language)
    return users


async def compose(organiser: EmulatedUser, text: str, *, audience: tuple[str, ...] = ("All delegates",),
                  translations: dict[str, str] | None = None, at: str | None = None) -> Composed:
    """Walks the whole conversation up to the confirmation, as an organiser does."""
    await organiser.command("/broadcast")
    await organiser.next_reply(timeout=WAIT)
    await organiser.send(text)
    step = await organiser.next_reply(timeout=WAIT)
    for button in audience:
        await organiser.press(step, button)
        step = await organiser.next_reply(timeout=WAIT)
    for language, translated in (translations or {}).items():
        await organiser.press(step, f"＋ {language}")
        await organiser.next_reply(timeout=WAIT)
        await organiser.send(translated)
        step = await organiser.next_reply(timeout=WAIT)
    if any(b.text == "Continue" for row in step.buttons for b in row):
        await organiser.press(step, "Continue")
        step = await organiser.next_reply(timeout=WAIT)
    if at is None:
        await organiser.press(step, "Now")
    else:
        await organiser.press(step, "At a time…")
        await organiser.next_reply(timeout=WAIT)
        await organiser.send(at)
    previews = []
    while True:
        shown = await organiser.next_reply(timeout=WAIT)
        if any(b.text.startswith("✅") for row in shown.buttons for b in row):
            return Composed(shown, previews)
        previews.append(shown)


async def reply_where(user: EmulatedUser, wanted: str, limit: int = 10) -> SentMessage:
    """The next reply containing `wanted`, skipping others (the announcement itself may arrive first)."""
    for _ in range(limit):
        reply = await user.next_reply(timeout=WAIT)
        if wanted in (reply.text or ""):
            return reply
    raise AssertionError(f"{user!r} got no reply containing {wanted!r}")


async def outbox_rows(harness) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    async with harness.services.database.session() as db:
        return list((await db.execute(select(OutboxMessage).where(OutboxMessage.kind == "broadcast"))).scalars())


async def test_an_organiser_previews_each_language_exactly_as_delegates_will_see_it(harness) -> None:
    await known_delegates(harness, {5001: "en", 5002: "id", 5003: "th"})
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")

    composed = await compose(organiser, "Lunch moves to the Orchid Room.", translations={"Bahasa Indonesia": "Makan siang pindah ke Ruang Orchid."})

    texts = [p.text or "" for p in composed.previews]
    assert texts[0].startswith("👁 Preview for English") and "Lunch moves to the Orchid Room." in texts[1]
    assert texts[2].startswith("👁 Preview for Bahasa Indonesia (1 delegate)") and "Makan siang pindah ke Ruang Orchid." in texts[3]
    assert "without a translation" in texts[4] and "ไทย" in texts[4] and "Lunch moves to the Orchid Room." in texts[5]
    assert texts[1].startswith("📢 Announcement from the organisers")
    assert "Send this announcement now to all delegates (4 delegates)?" in (composed.confirmation.text or "")
    assert await outbox_rows(harness) == []  # nothing goes out before the confirmation


async def test_confirming_queues_one_message_per_delegate_and_shows_progress_in_one_message(harness) -> None:
    await known_delegates(harness, {5011: "en", 5012: "id"})
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")
    composed = await compose(organiser, "Buses leave at 17:30 from the lobby.")

    await organiser.press(composed.confirmation, "✅ Send to 3 delegates")
    # The confirmation becomes the progress message; under load the final report may come first.
    for _ in range(5):
        progress = await reply_where(organiser, "Announcement #")
        if progress.message_id == composed.confirmation.message_id:
            break

    assert progress.edited and progress.message_id == composed.confirmation.message_id
    assert "Announcement #" in (progress.text or "") and "/ 3 sent" in (progress.text or "")
    rows = await outbox_rows(harness)
    assert sorted(row.chat_id for row in rows) == [ORGANISER_ID, 5011, 5012]
    assert {row.dedupe_key for row in rows} == {f"broadcast:{composed.draft_id}:{row.chat_id}" for row in rows}


async def test_organiser_html_is_shown_as_typed_never_interpreted(harness) -> None:
    await known_delegates(harness, {5021: "en"})
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")

    composed = await compose(organiser, "Prices <b>drop</b> & <script>x</script> 5 < 6")

    preview = composed.previews[1]
    assert "Prices <b>drop</b> & <script>x</script> 5 < 6" in (preview.text or "")
    assert "<script>" not in (preview.html or "")


async def test_a_delegation_audience_names_its_country_and_counts_its_delegates(harness) -> None:
    await known_delegates(harness, {5031: "en", 5032: "ja"})
    async with harness.services.database.session() as db:
        from bot.delegates.models import Delegate

        (await db.get(Delegate, 5032)).delegation_id = "JP"  # type: ignore[union-attr]
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")

    composed = await compose(organiser, "Japan delegation: photo at 16:00.", audience=("One delegation", "Japan"))

    assert "the delegation of Japan (1 delegate)" in (composed.confirmation.text or "")


async def test_someone_who_is_not_an_organiser_is_refused_politely_and_the_attempt_is_logged(harness, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.broadcasts")
    delegate = harness.user(5041, "Eve", language_code="en")

    await delegate.command("/broadcast")
    refusal = await delegate.next_reply(timeout=WAIT)
    await delegate.command("/broadcasts")
    second = await delegate.next_reply(timeout=WAIT)

    assert "only the event's organisers can send announcements" in (refusal.text or "")
    assert "only the event's organisers" in (second.text or "")
    assert any(f"broadcast refused: user {who(5041)}" in r.getMessage() for r in caplog.records)  # a pseudonym, not the id


async def test_forged_buttons_cannot_confirm_a_broadcast(harness) -> None:
    await known_delegates(harness, {5051: "en"})
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")
    composed = await compose(organiser, "Real announcement")
    intruder = harness.user(5052, "Eve", language_code="en")
    other_organiser = harness.user(901, "Otto", language_code="en")
    await harness.services.roles.grant(901, "organiser", harness.clock.now())

    await intruder.command("/broadcast")
    refusal = await intruder.next_reply(timeout=WAIT)
    await intruder.answer_to(await intruder.press_raw(refusal, f"bc:{composed.draft_id}:go"), timeout=WAIT)
    await intruder.next_reply(timeout=WAIT)  # refused again
    await other_organiser.command("/broadcasts")
    listing = await other_organiser.next_reply(timeout=WAIT)
    for forged in (f"bc:{composed.draft_id}:go", f"bc:{composed.draft_id}:drop", "bc:999:go", "bc:x:go", "bc:#deadbeefdeadbeef"):
        await other_organiser.answer_to(await other_organiser.press_raw(listing, forged), timeout=WAIT)
        assert "no longer valid" in ((await other_organiser.next_reply(timeout=WAIT)).text or "")

    assert await outbox_rows(harness) == []
    async with harness.services.database.session() as db:
        assert (await db.get(Broadcast, composed.draft_id)).status == DRAFT  # type: ignore[union-attr]
    await organiser.press(composed.confirmation, "✅ Send to 2 delegates")
    await reply_where(organiser, "Announcement #")
    assert len(await outbox_rows(harness)) == 4  # the audience is whoever matches when it is confirmed


async def test_a_restart_in_the_middle_of_the_conversation_loses_nothing(harness) -> None:
    await known_delegates(harness, {5061: "en"})
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")
    await organiser.command("/broadcast")
    await organiser.next_reply(timeout=WAIT)
    await organiser.send("Written before the restart")
    audience = await organiser.next_reply(timeout=WAIT)

    await harness.restart()
    await organiser.press(audience, "All delegates")
    menu = await organiser.next_reply(timeout=WAIT)
    await organiser.press(menu, "Continue")
    when = await organiser.next_reply(timeout=WAIT)
    await harness.restart()
    await organiser.press(when, "Now")
    shown = await organiser.wait_replies(3, timeout=WAIT)

    assert "Written before the restart" in (shown[1].text or "")
    await organiser.press(shown[-1], "✅ Send to 2 delegates")
    await reply_where(organiser, "Announcement #")
    assert len(await outbox_rows(harness)) == 2


async def test_a_stale_button_from_an_earlier_step_does_nothing(harness) -> None:
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")
    composed = await compose(organiser, "First")

    await organiser.press(composed.confirmation, "Cancel")
    discarded = await organiser.next_reply(timeout=WAIT)
    query = await organiser.press_raw(discarded, f"bc:{composed.draft_id}:go")
    await organiser.answer_to(query, timeout=WAIT)

    assert "discarded" in (discarded.text or "")
    assert "no longer valid" in ((await organiser.next_reply(timeout=WAIT)).text or "")
    assert await outbox_rows(harness) == []


async def test_a_scheduled_broadcast_confirms_the_time_and_goes_out_when_it_comes(harness) -> None:
    await known_delegates(harness, {5071: "en"})
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")

    composed = await compose(organiser, "Dinner buses at 18:30", at="13:25")
    assert "Tuesday, September 10, 2019 at 1:25\u202fPM (UTC+7)" in (composed.confirmation.text or "")
    await organiser.press(composed.confirmation, "✅ Schedule")
    note = await organiser.next_reply(timeout=WAIT)
    assert "Scheduled: announcement #" in (note.text or "") and "1:25\u202fPM" in (note.text or "")
    async with harness.services.database.session() as db:
        assert (await db.get(Broadcast, composed.draft_id)).status == SCHEDULED  # type: ignore[union-attr]
    assert await outbox_rows(harness) == []

    harness.clock.advance(hours=3, minutes=10)
    progress = await reply_where(organiser, "Announcement #")

    assert "/ 2 sent" in (progress.text or "")
    assert len(await outbox_rows(harness)) == 2


async def test_an_unreadable_time_is_asked_again(harness) -> None:
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")
    await organiser.command("/broadcast")
    await organiser.next_reply(timeout=WAIT)
    await organiser.send("Text")
    await organiser.press(await organiser.next_reply(timeout=WAIT), "All delegates")
    await organiser.press(await organiser.next_reply(timeout=WAIT), "Continue")
    await organiser.press(await organiser.next_reply(timeout=WAIT), "At a time…")
    await organiser.next_reply(timeout=WAIT)

    await organiser.send("whenever you like")
    unreadable = await organiser.next_reply(timeout=WAIT)
    await organiser.send("08:00")
    past = await organiser.next_reply(timeout=WAIT)

    assert "could not read that time" in (unreadable.text or "")
    assert "already passed" in (past.text or "")


async def test_broadcasts_lists_past_broadcasts_and_cancels_a_scheduled_one(harness) -> None:
    await known_delegates(harness, {5081: "en"})
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")
    composed = await compose(organiser, "Later today", at="18:00")
    await organiser.press(composed.confirmation, "✅ Schedule")
    await organiser.next_reply(timeout=WAIT)

    await organiser.command("/broadcasts")
    listing = await organiser.next_reply(timeout=WAIT)
    await organiser.press(listing, f"Cancel #{composed.draft_id}")
    cancelled = await organiser.next_reply(timeout=WAIT)
    harness.clock.advance(hours=9)
    await organiser.command("/broadcasts")
    after = await organiser.next_reply(timeout=WAIT)

    assert f"#{composed.draft_id}" in (listing.text or "") and "scheduled" in (listing.text or "")
    assert "is cancelled" in (cancelled.text or "")
    assert "cancelled" in (after.text or "") and not after.buttons
    assert await outbox_rows(harness) == []


async def test_a_photo_with_its_caption_is_the_announcement(harness) -> None:
    await known_delegates(harness, {5091: "en"})
    organiser = harness.user(ORGANISER_ID, "Olga", language_code="en")
    await organiser.command("/broadcast")
    await organiser.next_reply(timeout=WAIT)

    await organiser.send_photo(caption="The floor plan of the venue")
    audience = await organiser.next_reply(timeout=WAIT)
    await organiser.press(audience, "All delegates")
    await organiser.press(await organiser.next_reply(timeout=WAIT), "Continue")
    await organiser.press(await organiser.next_reply(timeout=WAIT), "Now")
    label, preview, confirmation = await organiser.wait_replies(3, timeout=WAIT)

    assert preview.photo is not None and "The floor plan of the venue" in (preview.text or "")
    assert "Send this announcement now" in (confirmation.text or "")


async def test_an_organiser_whose_role_is_revoked_mid_draft_is_answered_as_a_delegate(harness) -> None:
    helper = harness.user(902, "Hana", language_code="en")
    await harness.services.roles.grant(902, "organiser", harness.clock.now())
    await helper.command("/broadcast")
    await helper.next_reply(timeout=WAIT)

    await harness.services.roles.revoke(902, "organiser")
    await helper.send("what's the wifi password?")
    answer = await helper.next_reply(timeout=WAIT)

    assert "RCDD2019" in (answer.text or "")
    assert await harness.services.features.get(Broadcasts).service.open_draft(902) is None
