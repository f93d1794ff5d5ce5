"""What the helpdesk feature says, in Telegram's safe HTML subset: the ticket's post in the helpdesk
group, the answer a delegate receives, the open-ticket list and the short notes around them.

Pure functions of a Translator and a TicketView, so they are tested without Telegram. Every value
that comes from a delegate or an agent is escaped here; every HTML tag opens and closes on one line
(long messages are split at lines).
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.answers.reply import Button, Reply, b, callback, esc
from bot.conversation.service import clean_text
from bot.helpdesk.models import ANSWERED, CLOSED, NOT_HELPFUL, OPEN
from bot.helpdesk.views import TicketView
from bot.i18n import LANGUAGE_NAMES, Translator

NOT_HELPFUL_KIND = "nf"
POST_QUESTION_CHARS = 1500
POST_CONTEXT_CHARS = 160
POST_ANSWER_CHARS = 600
QUOTE_CHARS = 300
LIST_LIMIT = 20
# The first line of every ticket post starts with a status mark and "#<id>": a reply to the post is
# matched to its ticket by this marker when the post's message id is not known (yet).
POST_MARKER = re.compile(r"^\S{0,3}\s*#(\d+)\b")
STATUS_MARK = {OPEN: "🆕", ANSWERED: "✅", CLOSED: "✖️"}


def excerpt(text: str, limit: int) -> str:
    """The text on one line, cut at a word boundary with an ellipsis when longer than `limit`."""
    text = clean_text(text)
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip() + "…"


def reason_text(tr: Translator, reason: str) -> str:
    reasons = {
        "nlu_fallback": tr._("not understood"),
        "out_of_scope": tr._("outside the event information"),
        "human_handoff": tr._("asked for a person"),
        "nlu_unavailable": tr._("language model unavailable"),
        "unknown_intent": tr._("no answer for this intent"),
        "no_faq": tr._("no FAQ entry"),
        "no_exhibition": tr._("no exhibition information"),
        "unsupported_language": tr._("in a language the assistant does not understand"),
        NOT_HELPFUL: tr._("the answer did not help"),
    }
    return reasons.get(reason, reason)


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def ranking_text(ticket: TicketView, top: int = 3) -> str:
    return " · ".join(f"{name} {round(conf * 100)}%" for name, conf in ticket.ranking[:top])


def who(tr: Translator, ticket: TicketView) -> str:
    if ticket.forgotten:
        return tr._("a delegate who deleted their data")
    return ticket.delegate_name or tr._("a delegate")


def post_text(tr: Translator, ticket: TicketView) -> str:
    """The ticket as the helpdesk group sees it; re-rendered (and the post edited) when it changes."""
    head = f"{STATUS_MARK.get(ticket.status, '')} {b('#' + str(ticket.id))} · {esc(language_name(ticket.language))} · {esc(reason_text(tr, ticket.reason))}"
    lines = [head, "👤 " + esc(who(tr, ticket)) + " · " + esc(tr.datetime(ticket.created_at, "short"))]
    if ticket.text:
        lines.append(f"<blockquote>{esc(excerpt(ticket.text, POST_QUESTION_CHARS))}</blockquote>")
    else:
        lines.append("<i>" + esc(tr._("The question was deleted with the delegate's data.")) + "</i>")
    if ticket.reason == NOT_HELPFUL and ticket.topic:
        lines.append(esc(tr._("The assistant answered with: {topic}").format(topic=ticket.topic)))
    if ticket.ranking:
        lines.append("🤖 " + esc(ranking_text(ticket)))
    if ticket.context:
        lines.append(esc(tr._("Before this question:")))
        for turn in ticket.context:
            line = f"• {tr.time(turn.at)} {excerpt(turn.text, POST_CONTEXT_CHARS)}" + (f" → {turn.intent}" if turn.intent else "")
            lines.append(esc(line))
    lines.append("")
    if ticket.status == ANSWERED:
        lines.append(b(tr._("✅ Answered by {name}").format(name=ticket.answered_by or "?")))
        if ticket.answer:
            lines.append(f"<blockquote>{esc(excerpt(ticket.answer, POST_ANSWER_CHARS))}</blockquote>")
    elif ticket.status == CLOSED:
        if ticket.forgotten and not ticket.closed_by:
            lines.append(b(tr._("✖️ Closed: the delegate deleted their data")))
        else:
            lines.append(b(tr._("✖️ Closed by {name}").format(name=ticket.closed_by or "?")))
    else:
        lines.append("↩️ " + esc(tr._("Reply to this message to answer the delegate.")))
    return "\n".join(lines)


def post_reply(tr: Translator, ticket: TicketView) -> Reply:
    return Reply(post_text(tr, ticket))


def answer_reply(tr: Translator, question: str, answer: str) -> Reply:
    """The helpdesk's answer in the delegate's chat, under a header in the delegate's language."""
    lines = [
        "💬 " + b(tr._("Answer from the helpdesk")),
        "<i>" + esc(tr._("You asked: “{question}”").format(question=excerpt(question, QUOTE_CHARS))) + "</i>",
        "",
        esc(answer.strip()),
    ]
    return Reply("\n".join(lines))


def open_list_reply(tr: Translator, tickets: list[TicketView], total: int) -> Reply:
    if not tickets:
        return Reply(esc(tr._("No open tickets. 🎉")))
    head = b(tr.ngettext("{count} open ticket", "{count} open tickets", total).format(count=total))
    lines = [head]
    for t in tickets:
        lines.append(esc(f"#{t.id} · {tr.datetime(t.created_at, 'short')} · {language_name(t.language)} · {excerpt(t.text, 80)}"))
    if total > len(tickets):
        lines.append(esc(tr._("… and {count} more: see the helpdesk console.").format(count=total - len(tickets))))
    lines.append(esc(tr._("Reply to a ticket's post to answer it.")))
    return Reply("\n".join(lines))


def not_helpful_button(tr: Translator, turn_id: int) -> Button:
    return Button("🙋 " + tr._("This didn't answer my question"), callback(NOT_HELPFUL_KIND, str(turn_id)))


def not_helpful_thanks(tr: Translator) -> Reply:
    return Reply(esc(tr._("Thank you for telling me. I have passed your question to the helpdesk team; a person will answer you here.")))


def not_helpful_already(tr: Translator) -> Reply:
    return Reply(esc(tr._("Your question is already with the helpdesk team; a person will answer you here.")))


def button_no_longer_valid(tr: Translator) -> Reply:
    return Reply(esc(tr._("This button is no longer valid. Please use the menu or ask me again.")))


def only_in_helpdesk_group(tr: Translator) -> Reply:
    return Reply(esc(tr._("Sorry, this is for the helpdesk team, in their group.")))


def refused(tr: Translator, ticket_id: int, problem: str, by: str | None) -> Reply:
    """Why an agent's answer was not sent (already answered, closed, the delegate is gone)."""
    texts = {
        "already_answered": tr._("Ticket #{id} was already answered by {name}; your reply was not sent.").format(id=ticket_id, name=by or "?"),
        "closed": tr._("Ticket #{id} is closed; your reply was not sent.").format(id=ticket_id),
        "forgotten": tr._("The delegate of ticket #{id} deleted their data; your reply cannot be delivered.").format(id=ticket_id),
        "empty": tr._("Please write the answer as text."),
        "not_found": tr._("That message is not a ticket. Reply to a ticket's post to answer it."),
    }
    return Reply(esc(texts.get(problem, texts["not_found"])))


def not_an_agent(tr: Translator, user_id: int) -> Reply:
    """A reply to a ticket from someone without the helpdesk role: not sent, and how to get the role."""
    command = f"<code>python -m bot roles add helpdesk {int(user_id)}</code>"
    return Reply(esc(tr._("Only the helpdesk team can answer tickets: your reply was not sent to the delegate. An organiser can give you the helpdesk role with: {command}")).format(command=command))


def when(tr: Translator, instant: datetime | None) -> str:
    return tr.datetime(instant, "short") if instant else ""
