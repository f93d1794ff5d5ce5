"""What the bot says to organisers about broadcasts, in their language: the steps of the conversation,
the preview, live progress and reports. Plain functions from data to Replies; nothing Telegram-specific.

Callback data is "bc:<broadcast id>:<action>[:<value>]"; the handlers check every part of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from babel.numbers import format_decimal

from bot.answers.reply import Button, Reply, b, callback, esc, rows
from bot.broadcasts.models import CANCELLED, DONE, SCHEDULED, SENDING
from bot.broadcasts.service import Audience, AudienceSize, BroadcastView, Progress
from bot.broadcasts.when import utc_offset
from bot.broadcasts.wizard import session_choices
from bot.event.service import EventSnapshot
from bot.i18n import LANGUAGE_NAMES, Translator

KIND = "bc"


def data(broadcast_id: int, action: str, value: str = "") -> str:
    return callback(KIND, f"{broadcast_id}:{action}" + (f":{value}" if value else ""))


def number(tr: Translator, n: int) -> str:
    return format_decimal(n, locale=tr.locale)


def language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)


def when_text(tr: Translator, instant: datetime) -> str:
    """"Wednesday, 11 September 2019 at 13:25 (UTC+7)": date and time in the event's zone, by Babel."""
    return tr._("{date} at {time} ({zone})").format(
        date=tr.date(instant, "full"), time=tr.time(instant), zone=utc_offset(instant, tr.zone)
    )


def describe_audience(tr: Translator, audience: Audience | None, snap: EventSnapshot) -> str:
    if audience is None or audience.kind == "all":
        return tr._("all delegates")
    if audience.kind == "verified":
        return tr._("verified delegates")
    if audience.kind == "lang":
        return tr._("delegates reading {language}").format(language=language_name(audience.value or ""))
    if audience.kind == "country":
        name = next((tr.pick(n) for code, n, _ in snap.delegations if code == audience.value), audience.value)
        return tr._("the delegation of {country}").format(country=name)
    session = next((s for s in snap.sessions if s.id == audience.value), None)
    title = tr.pick(session.title) if session else audience.value
    return tr._("subscribers of “{session}”").format(session=title)


def cancel_button(tr: Translator, broadcast_id: int) -> Button:
    return Button(tr._("Cancel"), data(broadcast_id, "drop"))


# --- refusals and notes --------------------------------------------------------------------------


def refusal(tr: Translator) -> Reply:
    return Reply(esc(tr._("Sorry, only the event's organisers can send announcements. If you are one, ask the team to add you.")))


def stale(tr: Translator) -> Reply:
    return Reply(esc(tr._("This button is no longer valid. Start again with /broadcast.")))


def discarded(tr: Translator) -> Reply:
    return Reply(esc(tr._("The announcement was discarded; nothing was sent.")))


# --- the conversation ----------------------------------------------------------------------------


def ask_text(tr: Translator, draft: BroadcastView, default_language: str) -> Reply:
    text = tr._("New announcement. Send me its text in {language}. You may attach one photo or document (with the text as its caption, or send the text next).").format(language=language_name(default_language))
    return Reply(esc(text), ((cancel_button(tr, draft.id),),))


def ask_text_after_attachment(tr: Translator, draft: BroadcastView) -> Reply:
    return Reply(esc(tr._("Attachment received. Now send the text of the announcement.")), ((cancel_button(tr, draft.id),),))


def ask_audience(tr: Translator, draft: BroadcastView, has_sessions: bool) -> Reply:
    buttons = [
        Button(tr._("All delegates"), data(draft.id, "aud", "all")),
        Button(tr._("One language"), data(draft.id, "aud", "lang")),
        Button(tr._("One delegation"), data(draft.id, "aud", "country")),
        Button(tr._("Verified delegates"), data(draft.id, "aud", "verified")),
    ]
    if has_sessions:
        buttons.append(Button(tr._("Subscribers of a session"), data(draft.id, "aud", "session")))
    return Reply(esc(tr._("Who should receive it?")), (*rows(buttons), (cancel_button(tr, draft.id),)))


def choose_language(tr: Translator, draft: BroadcastView, languages: Iterable[str]) -> Reply:
    buttons = [Button(language_name(lang), data(draft.id, "lang", lang)) for lang in languages]
    return Reply(esc(tr._("Delegates reading which language?")), (*rows(buttons), (cancel_button(tr, draft.id),)))


def choose_country(tr: Translator, draft: BroadcastView, snap: EventSnapshot) -> Reply:
    buttons = [Button(tr.pick(name), data(draft.id, "country", code)) for code, name, _ in snap.delegations]
    return Reply(esc(tr._("Which delegation?")), (*rows(buttons, 3), (cancel_button(tr, draft.id),)))


def choose_session(tr: Translator, draft: BroadcastView, snap: EventSnapshot) -> Reply:
    buttons = [
        Button(f"{tr.day_short(s.starts_at)} {tr.time(s.starts_at)} · {tr.pick(s.title)}"[:60], data(draft.id, "session", s.id))
        for s in session_choices(snap)
    ]
    return Reply(esc(tr._("Subscribers of which session?")), (*rows(buttons, 1), (cancel_button(tr, draft.id),)))


def ask_translations(tr: Translator, draft: BroadcastView, languages: Iterable[str], default_language: str) -> Reply:
    missing = [lang for lang in languages if lang != default_language and lang not in draft.texts]
    done = [lang for lang in languages if lang != default_language and lang in draft.texts]
    lines = [esc(tr._("Add a translation for a language, or send one text for all: delegates whose language has no translation get the {language} text, under a header in their own language.").format(language=language_name(default_language)))]
    if done:
        lines.append(esc(tr._("Translations: {languages}").format(languages=tr.join([language_name(lang) for lang in done]))))
    buttons = [Button("＋ " + language_name(lang), data(draft.id, "tr", lang)) for lang in missing]
    buttons += [Button("✎ " + language_name(lang), data(draft.id, "tr", lang)) for lang in done]
    return Reply("\n\n".join(lines), (*rows(buttons, 2), (Button(tr._("Continue"), data(draft.id, "next")), cancel_button(tr, draft.id))))


def ask_translation_text(tr: Translator, draft: BroadcastView, language: str) -> Reply:
    return Reply(esc(tr._("Send the text in {language}.").format(language=language_name(language))), ((cancel_button(tr, draft.id),),))


def ask_when(tr: Translator, draft: BroadcastView) -> Reply:
    return Reply(esc(tr._("Send it now, or at a set time?")), (
        (Button(tr._("Now"), data(draft.id, "now")), Button(tr._("At a time…"), data(draft.id, "later"))),
        (cancel_button(tr, draft.id),),
    ))


def ask_time(tr: Translator, draft: BroadcastView, now: datetime) -> Reply:
    text = tr._("When? Write a time in the event's time zone ({zone}): for example 13:25, tomorrow 9:00 or 11 Sep 13:25.").format(zone=utc_offset(now, tr.zone))
    return Reply(esc(text), ((cancel_button(tr, draft.id),),))


def time_refused(tr: Translator, code: str) -> Reply:
    if code == "past":
        text = tr._("That time has already passed. Write a later time, or a date and a time (11 Sep 13:25).")
    else:
        text = tr._("I could not read that time. Write it like 13:25, tomorrow 9:00, 11 Sep 13:25 or 2019-09-11 13:25.")
    return Reply(esc(text))


def preview_label(tr: Translator, languages: list[str], count: int, translated: bool) -> Reply:
    names = tr.join([language_name(lang) for lang in languages])
    if translated:
        text = tr.ngettext("Preview for {languages} ({count} delegate):", "Preview for {languages} ({count} delegates):", count)
    else:
        text = tr.ngettext("Preview for {languages}, without a translation ({count} delegate):", "Preview for {languages}, without a translation ({count} delegates):", count)
    return Reply("👁 " + b(text.format(languages=names, count=number(tr, count))))


def confirmation(tr: Translator, draft: BroadcastView, size: AudienceSize, snap: EventSnapshot) -> Reply:
    audience = describe_audience(tr, draft.audience, snap)
    count = number(tr, size.total)
    if draft.send_at is not None:
        text = tr.ngettext(
            "Schedule this announcement for {when}, to {audience}? That is {count} delegate today; whoever matches then receives it.",
            "Schedule this announcement for {when}, to {audience}? That is {count} delegates today; whoever matches then receives it.",
            size.total,
        ).format(when=when_text(tr, draft.send_at), audience=audience, count=count)
        go = tr._("Schedule")
    else:
        text = tr.ngettext(
            "Send this announcement now to {audience} ({count} delegate)?",
            "Send this announcement now to {audience} ({count} delegates)?",
            size.total,
        ).format(audience=audience, count=count)
        go = tr.ngettext("Send to {count} delegate", "Send to {count} delegates", size.total).format(count=count)
    return Reply(esc(text), ((Button("✅ " + go, data(draft.id, "go")), cancel_button(tr, draft.id)),))


# --- after confirmation --------------------------------------------------------------------------


def scheduled(tr: Translator, view: BroadcastView, snap: EventSnapshot) -> Reply:
    assert view.send_at is not None
    text = tr._("Scheduled: announcement #{id} goes to {audience} on {when}. /broadcasts lists it and can cancel it.").format(
        id=view.id, audience=describe_audience(tr, view.audience, snap), when=when_text(tr, view.send_at))
    return Reply(esc(text), ((Button(tr._("Cancel this broadcast"), data(view.id, "stop")),),))


def counts_line(tr: Translator, progress: Progress) -> str:
    line = tr._("{sent} / {total} sent, {failed} failed").format(
        sent=number(tr, progress.sent), total=number(tr, progress.total), failed=number(tr, progress.failed))
    if progress.cancelled:
        line += ", " + tr._("{count} cancelled").format(count=number(tr, progress.cancelled))
    return line


def progress_reply(tr: Translator, view: BroadcastView, progress: Progress, snap: EventSnapshot) -> Reply:
    """The one message the organiser watches: edited in place while the broadcast goes out."""
    title = tr._("Announcement #{id} to {audience}").format(id=view.id, audience=describe_audience(tr, view.audience, snap))
    state = tr._("Sending…") if view.status == SENDING else ""
    text = f"📤 {b(title)}\n{esc(counts_line(tr, progress))}" + (f"\n{esc(state)}" if state else "")
    buttons = ((Button(tr._("Cancel this broadcast"), data(view.id, "stop")),),) if view.status == SENDING else ()
    return Reply(text, buttons)


def final_report(tr: Translator, view: BroadcastView, progress: Progress, snap: EventSnapshot, elapsed: timedelta | None) -> Reply:
    if view.status == CANCELLED:
        head = tr._("Announcement #{id} was cancelled.").format(id=view.id)
    else:
        head = tr._("Announcement #{id} is finished.").format(id=view.id)
    lines = [b(head), esc(describe_audience(tr, view.audience, snap)), esc(counts_line(tr, progress))]
    if progress.failed:
        lines.append(esc(tr._("Failed messages could not be delivered: the delegate blocked the bot or the chat no longer exists.")))
    if elapsed is not None and view.status == DONE:
        lines.append(esc(tr._("Took {duration}.").format(duration=tr.duration(elapsed))))
    return Reply("\n".join(lines))


def history(tr: Translator, entries: list[tuple[BroadcastView, Progress]], snap: EventSnapshot) -> Reply:
    if not entries:
        return Reply(esc(tr._("No announcements yet. Start one with /broadcast.")))
    status_names = {
        SCHEDULED: tr._("scheduled"), SENDING: tr._("sending"), DONE: tr._("finished"), CANCELLED: tr._("cancelled"),
    }
    lines = [b(tr._("Announcements"))]
    buttons: list[Button] = []
    for view, progress in entries:
        when = view.send_at if view.status == SCHEDULED and view.send_at else (view.released_at or view.created_at)
        text = (view.texts.get(snap.default_language) or next(iter(view.texts.values()), None) or "").strip().replace("\n", " ")
        excerpt = text[:60] + ("…" if len(text) > 60 else "")
        head = f"#{view.id} · {tr.day_short(when)} {tr.time(when)} · {status_names.get(view.status, view.status)}"
        counts = counts_line(tr, progress) if view.status != SCHEDULED else describe_audience(tr, view.audience, snap)
        lines.append(f"{b(head)}\n{esc(excerpt)}\n{esc(describe_audience(tr, view.audience, snap)) + ' · ' if view.status != SCHEDULED else ''}{esc(counts)}")
        if view.running:
            buttons.append(Button(tr._("Cancel #{id}").format(id=view.id), data(view.id, "stop")))
    return Reply("\n\n".join(lines), rows(buttons, 2))


def cancelled_note(tr: Translator, view: BroadcastView) -> Reply:
    return Reply(esc(tr._("Announcement #{id} is cancelled; messages not yet sent will not go out.").format(id=view.id)))


def not_running(tr: Translator) -> Reply:
    return Reply(esc(tr._("That broadcast is not running any more.")))
