"""What the questions feature says, in the reader's language: to the delegate who asks, to the
moderators who decide, and the approved list the chair reads. Pure functions from data to Replies.

Callback data: "qa:<action>:<value>" for the delegate's buttons, "qm:<action>:<value>" for the
moderators'; the handlers check every part of it. A delegate's text is always escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.answers.format import session_line, session_name, when_where
from bot.answers.reply import Button, Reply, b, callback, esc, rows
from bot.answers.split import split_message
from bot.event.service import EventSnapshot, SessionView, session_by_id
from bot.i18n import Translator
from bot.questions.models import APPROVED, REJECTED, QuestionView

ASK = "qa"  # qa:s:<session id> (also on a session's card), qa:anon:<id>, qa:name:<id>, qa:x:<id>
MODERATE = "qm"  # qm:a:<id> approve, qm:r:<id> reject, qm:l:<session id> the approved list


def ask_data(action: str, value: str | int) -> str:
    return callback(ASK, f"{action}:{value}")


def moderate_data(action: str, value: str | int) -> str:
    return callback(MODERATE, f"{action}:{value}")


def ask_button(tr: Translator, s: SessionView) -> Button:
    """The "Ask a question" button of a session's card (shown only while its questions are open)."""
    return Button("🙋 " + tr._("Ask a question"), ask_data("s", s.id))


def _title(tr: Translator, snap: EventSnapshot, session_id: str) -> str:
    session = session_by_id(snap, session_id)
    return session_name(tr, session) if session else session_id


def _cancel(tr: Translator, question_id: int) -> Button:
    return Button(tr._("Cancel"), ask_data("x", question_id))


# --- the delegate ----------------------------------------------------------------------------------


def nothing_open(tr: Translator, running: Sequence[SessionView], upcoming: SessionView | None, now: datetime) -> Reply:
    """/ask outside a session: what is on now and when questions open next."""
    lines = [esc(tr._("Questions to the speakers can be sent during a session, from a few minutes before it starts until it ends. No session is taking questions right now."))]
    if running:
        lines += ["", b(tr._("Now"))] + [session_line(tr, s) for s in running]
    if upcoming is not None:
        lines += ["", b(tr._("Next session, in {duration}").format(duration=tr.duration(upcoming.starts_at - now)))]
        lines.append(session_line(tr, upcoming))
    return Reply("\n".join(lines))


def choose_session(tr: Translator, sessions: Sequence[SessionView], held: QuestionView | None = None) -> Reply:
    """Which session? With `held` (the text typed after /ask), that text above the choice and a Cancel."""
    buttons = [Button(f"{tr.time(s.starts_at)} {session_name(tr, s)}"[:60], ask_data("s", s.id)) for s in sessions]
    text = esc(tr._("Several sessions are running. Which one is your question for?"))
    if held is None:
        return Reply(text, rows(buttons, 1))
    heading = tr._("Your question")
    return Reply(f"{b(heading)}\n{esc(held.text)}\n\n{text}", (*rows(buttons, 1), (_cancel(tr, held.id),)))


def ask_text(tr: Translator, snap: EventSnapshot, draft: QuestionView, limit: int) -> Reply:
    text = tr._("Type your question for “{session}” in one message (up to {limit} characters). /cancel stops.").format(
        session=_title(tr, snap, draft.session_id), limit=limit)
    return Reply(esc(text), ((_cancel(tr, draft.id),),))


def not_text(tr: Translator, limit: int) -> Reply:
    return Reply(esc(tr._("Please type your question as text (up to {limit} characters), or send /cancel.").format(limit=limit)))


def too_long(tr: Translator, length: int, limit: int) -> Reply:
    text = tr._("Your question has {length} characters; the limit is {limit}. Please shorten it and send it again.")
    return Reply(esc(text.format(length=length, limit=limit)))


def ask_visibility(tr: Translator, draft: QuestionView) -> Reply:
    heading = tr._("Your question")
    choice = tr._("Send it anonymously, or with your name? Other delegates see your name only if you choose to show it.")
    text = f"{b(heading)}\n{esc(draft.text)}\n\n{esc(choice)}"
    return Reply(text, (
        (Button("🙈 " + tr._("Anonymous"), ask_data("anon", draft.id)), Button("👤 " + tr._("Show my name"), ask_data("name", draft.id))),
        (_cancel(tr, draft.id),),
    ))


def queued(tr: Translator, snap: EventSnapshot, question: QuestionView) -> Reply:
    how = tr._("with your name") if question.show_name else tr._("anonymously")
    text = tr._("Thank you! Your question for “{session}” was sent to the moderators ({how}). I will tell you when they have decided.")
    return Reply(f"{esc(text.format(session=_title(tr, snap, question.session_id), how=how))}\n\n<i>{esc(question.text)}</i>")


def cancelled(tr: Translator) -> Reply:
    return Reply(esc(tr._("Your question was not sent.")))


def closed(tr: Translator) -> Reply:
    return Reply(esc(tr._("That session is not taking questions now. /ask shows what is on.")))


def limit_reached(tr: Translator, limit: int) -> Reply:
    text = tr.ngettext(
        "You already have {count} question waiting for the moderators in this session. Please wait until it has been decided.",
        "You already have {count} questions waiting for the moderators in this session. Please wait until one has been decided.",
        limit,
    )
    return Reply(esc(text.format(count=limit)))


def stale(tr: Translator) -> Reply:
    return Reply(esc(tr._("This button is no longer valid. Send /ask to ask a question.")))


def decision_notice(tr: Translator, snap: EventSnapshot, question: QuestionView) -> Reply:
    """What the delegate hears (through the outbox) once a moderator decided."""
    session = _title(tr, snap, question.session_id)
    if question.status == APPROVED:
        text = tr._("✅ Your question for “{session}” was approved: the chair may put it to the speakers.")
    else:
        text = tr._("Your question for “{session}” was not selected by the moderators. Thank you for asking.")
    return Reply(f"{esc(text.format(session=session))}\n\n<i>{esc(question.text)}</i>")


# --- moderators ------------------------------------------------------------------------------------


def _asker(tr: Translator, question: QuestionView) -> str:
    name = question.shown_name
    return tr._("from {name}").format(name=name) if name else tr._("anonymous")


def moderator_card(tr: Translator, snap: EventSnapshot, question: QuestionView, *, buttons: bool = True) -> Reply:
    """A question in a moderator's chat: with Approve / Reject while it waits, with the outcome after."""
    head = tr._("❓ Question #{id} · {session}").format(id=question.id, session=_title(tr, snap, question.session_id))
    asked = question.asked_at or question.created_at
    meta = f"{tr.time(asked)} · {_asker(tr, question)}"
    text = f"{b(head)}\n{esc(meta)}\n\n{esc(question.text)}"
    if question.status in (APPROVED, REJECTED):
        text += "\n\n" + esc(outcome(tr, question))
        return Reply(text)
    if not buttons:
        return Reply(text)
    return Reply(text, ((
        Button("✅ " + tr._("Approve"), moderate_data("a", question.id)),
        Button("✖️ " + tr._("Reject"), moderate_data("r", question.id)),
    ),))


def outcome(tr: Translator, question: QuestionView) -> str:
    who = question.decided_by_name or str(question.decided_by or "")
    when = tr.time(question.decided_at) if question.decided_at else ""
    if question.status == APPROVED:
        return tr._("✅ Approved by {name} at {time}").format(name=who, time=when)
    return tr._("✖️ Rejected by {name} at {time}").format(name=who, time=when)


def already_decided(tr: Translator, question: QuestionView) -> Reply:
    return Reply(esc(tr._("Question #{id} was already decided: {outcome}.").format(id=question.id, outcome=outcome(tr, question))))


def question_gone(tr: Translator) -> Reply:
    return Reply(esc(tr._("This question is no longer available: the delegate withdrew it or deleted their data.")))


def moderators_only(tr: Translator) -> Reply:
    return Reply(esc(tr._("Sorry, only the event's moderators can do that. If you are one, ask the organisers to add you.")))


def choose_list(tr: Translator, sessions: Sequence[SessionView]) -> Reply:
    buttons = [Button(f"{tr.day_short(s.starts_at)} {tr.time(s.starts_at)} · {session_name(tr, s)}"[:60], moderate_data("l", s.id)) for s in sessions]
    return Reply(esc(tr._("The approved questions of which session?")), rows(buttons, 1))


def no_questions(tr: Translator) -> Reply:
    return Reply(esc(tr._("No session has questions yet.")))


def approved_list(
    tr: Translator, snap: EventSnapshot, session: SessionView, approved: Sequence[QuestionView], pending: int, page_url: str | None,
) -> tuple[Reply, ...]:
    """The approved questions of one session, in the order they were approved, numbered; split into
    messages under Telegram's 4096 characters (never inside a question's lines)."""
    lines = [b(tr._("Approved questions · {session}").format(session=session_name(tr, session))), esc(when_where(tr, session)), ""]
    if not approved:
        lines.append(esc(tr._("No approved questions yet.")))
    anonymous = tr._("anonymous")
    for number, question in enumerate(approved, 1):
        lines.append(f"{b(f'{number}.')} {esc(question.text)}")
        lines.append(f"<i>— {esc(question.shown_name or anonymous)}</i>")
    if pending:
        lines += ["", esc(tr.ngettext("{count} question is waiting for a decision.", "{count} questions are waiting for a decision.", pending).format(count=pending))]
    if page_url:
        lines += ["", esc(tr._("The chair's page (it refreshes itself): {url}").format(url=page_url))]
    return tuple(Reply(part) for part in split_message("\n".join(lines)))
