"""What the assistant says about accreditation, in the delegate's language."""

from __future__ import annotations

from bot.accreditation.service import ALREADY, ATTEMPTS, LIMITED, REVOKED, USED, VERIFIED, WITHDRAWN, Redemption
from bot.answers.reply import Answer, Reply, esc
from bot.event.service import EventSnapshot
from bot.i18n import Translator

EXAMPLE_CODE = "7KQ4-M9XP-ABCD"


def delegation_name(tr: Translator, snap: EventSnapshot, delegation_id: str | None) -> str:
    name = next((n for d, n, _ in snap.delegations if d == delegation_id), None)
    return tr.pick(name) if name else (delegation_id or "")


def redemption(tr: Translator, snap: EventSnapshot, result: Redemption, wrong_left: int | None = None) -> Answer:
    delegation = delegation_name(tr, snap, result.delegation_id)
    if result.outcome == VERIFIED:
        text = tr._("Thank you: you are now a verified member of the delegation of {delegation}. I will also show you the details reserved for accredited delegates, such as the Wi-Fi password.").format(delegation=delegation)
    elif result.outcome == ALREADY:
        text = tr._("You are already verified as a member of the delegation of {delegation}.").format(delegation=delegation)
    elif result.outcome == USED:
        text = tr._("This code has already been used. If it is yours, please ask the helpdesk at the registration desk for a new one.")
    elif result.outcome == REVOKED:
        text = tr._("This code has been revoked and no longer works. Please ask the helpdesk at the registration desk for a new one.")
    elif result.outcome == WITHDRAWN:
        text = tr._("This code was revoked by the organisers, so you are no longer verified. If you think this is a mistake, please ask the helpdesk at the registration desk.")
    elif result.outcome == LIMITED:
        wait = tr.duration(result.retry_after) if result.retry_after else ""
        text = tr._("Too many codes that did not work. Please try again in {duration}, or ask the helpdesk at the registration desk.").format(duration=wait)
    else:
        text = tr._("I don't recognise this code. Please check it and try again: it looks like {example}.").format(example=EXAMPLE_CODE)
    return Answer.of(Reply(esc(text)), topic=f"accreditation:{result.outcome}")


def how_to_verify(tr: Translator, snap: EventSnapshot, verified_delegation: str | None = None) -> Answer:
    if verified_delegation is not None:
        text = tr._("You are verified as a member of the delegation of {delegation}.").format(delegation=delegation_name(tr, snap, verified_delegation))
    else:
        text = tr._("To verify yourself as a delegate, send me the accreditation code from your invitation (it looks like {example}), or open the link that came with it.").format(example=EXAMPLE_CODE)
    return Answer.of(Reply(esc(text)), topic="accreditation:how")


__all__ = ["ATTEMPTS", "delegation_name", "how_to_verify", "redemption"]
