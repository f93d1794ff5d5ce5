"""Delegates verify themselves with the code from their invitation (deep link, /verify or just typing
it) and then see what is reserved for accredited delegates; others get the public answer and a note."""

from __future__ import annotations

import contextlib

import pytest

from bot.accreditation.feature import Accreditation
from bot.accreditation.service import ATTEMPTS
from bot.i18n import Translator

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def _issue(harness, delegation: str, count: int = 1) -> list[str]:
    return await harness.services.features.get(Accreditation).service.issue(delegation, count)


async def _all_replies(delegate, count: int, timeout: float = 20) -> str:
    replies = await delegate.wait_replies(count, timeout=timeout)
    with contextlib.suppress(TimeoutError):
        replies += await delegate.wait_replies(1, timeout=0.7)
    return "\n".join(r.text or "" for r in delegate.replies)


async def test_an_unverified_delegate_gets_the_public_answer_and_how_to_verify(harness) -> None:
    delegate = harness.user(5101, "Aiko", language_code="en")

    await delegate.send("what's the wifi password?")
    text = (await delegate.next_reply(timeout=20)).text or ""

    assert "RCDD2019" in text
    assert "diplomasi2019" not in text
    assert "/verify" in text and "accredited delegates" in text


async def test_the_deep_link_verifies_then_welcomes_and_the_password_is_shown(harness) -> None:
    [code] = await _issue(harness, "JP")
    delegate = harness.user(5102, "Kenji", language_code="en")

    await delegate.command(f"/start {code}")
    text = await _all_replies(delegate, 4)
    await delegate.send("wifi password?")
    wifi = await delegate.next_reply(timeout=20)

    assert "verified member of the delegation of Japan" in text
    assert "Welcome, Kenji" in text
    assert "diplomasi2019" in (wifi.text or "")
    assert "/verify" not in (wifi.text or "")
    view = await harness.services.delegates.get(5102)
    assert view is not None and view.verified and view.delegation_id == "JP"


async def test_a_typed_code_is_redeemed_in_indonesian_and_never_sent_to_the_helpdesk(harness) -> None:
    [code] = await _issue(harness, "ID")
    delegate = harness.user(5103, "Sari", language_code="id")

    await delegate.send(code.lower().replace("-", " "))
    reply = await delegate.next_reply(timeout=20)

    expected = Translator("id")._("Thank you: you are now a verified member of the delegation of {delegation}. I will also show you the details reserved for accredited delegates, such as the Wi-Fi password.")
    assert expected != "Thank you: you are now a verified member of the delegation of {delegation}. I will also show you the details reserved for accredited delegates, such as the Wi-Fi password."
    assert (reply.text or "") == expected.format(delegation="Indonesia")
    assert harness.emu.sent_messages(-1001) == []  # nothing reached the helpdesk group


async def test_a_code_works_once(harness) -> None:
    [code] = await _issue(harness, "KR")
    first, second = harness.user(5104, "Min", language_code="en"), harness.user(5105, "Joon", language_code="en")

    await first.command(f"/verify {code}")
    await first.next_reply(timeout=20)
    await second.command(f"/verify {code}")
    reply = await second.next_reply(timeout=20)

    assert "already been used" in (reply.text or "")
    view = await harness.services.delegates.get(5105)
    assert view is not None and not view.verified


async def test_wrong_codes_are_rate_limited(harness) -> None:
    [code] = await _issue(harness, "BN")
    delegate = harness.user(5106, "Hadi", language_code="en")

    for n in range(ATTEMPTS):
        await delegate.command(f"/verify AAAA-BBBB-CC{n}D")
        assert "don't recognise this code" in ((await delegate.next_reply(timeout=20)).text or "")
    await delegate.command(f"/verify {code}")
    reply = await delegate.next_reply(timeout=20)

    assert "Too many codes" in (reply.text or "")
    view = await harness.services.delegates.get(5106)
    assert view is not None and not view.verified


async def test_verify_without_a_code_explains_how(harness) -> None:
    delegate = harness.user(5107, "Lan", language_code="en")

    await delegate.command("/verify")
    reply = await delegate.next_reply(timeout=20)

    assert "accreditation code from your invitation" in (reply.text or "")


async def test_dinner_details_are_for_verified_delegates(harness) -> None:
    [code] = await _issue(harness, "SG")
    delegate = harness.user(5108, "Wei", language_code="en")

    async def dinner() -> tuple[str, str]:
        await delegate.send("tell me about the welcome dinner")
        meals = await delegate.next_reply(timeout=20)
        await delegate.press_raw(meals, "s:welcome-dinner")  # the session card, as the agenda opens it
        card = await delegate.next_reply(timeout=20)
        return meals.text or "", card.text or ""

    meals_before, card_before = await dinner()
    await delegate.command(f"/verify {code}")
    await delegate.next_reply(timeout=20)
    meals_after, card_after = await dinner()

    assert "business attire or batik" not in meals_before and "/verify" in meals_before
    assert "Welcome dinner" in card_before and "Orchid Room" not in card_before and "/verify" in card_before
    assert "business attire or batik" in meals_after and "/verify" not in meals_after
    assert "Orchid Room" in card_after and "/verify" not in card_after
