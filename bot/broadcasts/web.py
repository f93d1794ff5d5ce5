"""The organisers' Broadcasts page in the console: compose per language, choose the audience, see the
reach per language and the message as delegates will see it, send, then watch delivery live and
cancel the rest.

It sends through the same BroadcastWizard preview and BroadcastService release (the outbox, its pace
and its dedupe keys) as /broadcast in Telegram; each broadcast records the agent who sent it. The
compose form is posted twice (preview, then send) and carries a random form key, so a double click
on "Send" sends once. No script: the delivery page reloads itself while the broadcast goes out.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from markupsafe import Markup

from bot.broadcasts.models import CANCELLED, DONE, SCHEDULED, SENDING
from bot.broadcasts.replies import describe_audience, language_name
from bot.broadcasts.service import Audience, BroadcastError, BroadcastView, Released
from bot.broadcasts.wizard import BroadcastWizard, Preview, Variant, session_choices
from bot.event.service import EventSnapshot
from bot.helpdesk.web.app import ORGANISER, Console, ConsolePage, agent_name, console_templates
from bot.i18n import Translator

PATH = "/broadcasts"
REFRESH_SECONDS = 2
HISTORY = 20
FORM_KEY_BYTES = 24
MAX_TEXT = 4000
templates = console_templates(Path(__file__).resolve().parent / "templates")


@dataclass(frozen=True)
class Draft:
    """What the compose form holds (also carried, hidden, by the preview page)."""

    texts: dict[str, str]
    audience: str
    form_key: str


def broadcast_pages(wizard: BroadcastWizard, rate_limit: float) -> tuple[ConsolePage, ...]:
    """The pages; `rate_limit` is the outbox's pace (OUTBOX_RATE, Telegram's 30 messages/s)."""
    service = wizard.service

    async def compose(console: Console, request: web.Request) -> web.StreamResponse:
        """The form: empty, or (posted back from the preview) as it was, to change it."""
        tr = await console.helpdesk.translator()
        draft = _draft(await request.post(), service.languages) if request.method == "POST" else Draft({}, "all", _form_key())
        return await _compose_page(console, request, tr, wizard, draft, None)

    async def preview(console: Console, request: web.Request) -> web.StreamResponse:
        tr = await console.helpdesk.translator()
        draft = _draft(await request.post(), service.languages)
        try:
            checked = await _checked(wizard, draft)
        except BroadcastError as error:
            return await _compose_page(console, request, tr, wizard, draft, _problem(tr, error))
        shown = await wizard.preview(checked.texts, Audience.parse(checked.audience))
        snap = await wizard.events.snapshot()
        return console.render(
            request, tr, "broadcast_preview.html", env=templates, draft=checked, preview=shown,
            audience=describe_audience(tr, Audience.parse(checked.audience), snap), bubbles=_bubbles(shown),
            headings=[_heading(tr, variant) for variant in shown.variants],
            language_name=language_name, default_language=snap.default_language, languages=service.languages,
        )

    async def send(console: Console, request: web.Request) -> web.StreamResponse:
        tr = await console.helpdesk.translator()
        draft = _draft(await request.post(), service.languages)
        try:
            checked = await _checked(wizard, draft)
            outcome = await service.create(checked.texts, Audience.parse(checked.audience), origin="console",
                                           sent_by=agent_name(request), form_key=checked.form_key)
        except BroadcastError as error:
            return await _compose_page(console, request, tr, wizard, draft, _problem(tr, error))
        view = outcome.broadcast if isinstance(outcome, Released) else outcome
        raise web.HTTPFound(f"{PATH}/{view.id}")

    async def delivery(console: Console, request: web.Request) -> web.StreamResponse:
        tr = await console.helpdesk.translator()
        view = await service.get(int(request.match_info["id"]))
        if view is None:
            raise web.HTTPNotFound()
        progress = await service.progress(view.id)
        snap = await wizard.events.snapshot()
        return console.render(
            request, tr, "broadcast.html", env=templates, view=view, progress=progress,
            audience=describe_audience(tr, view.audience, snap), sender=_sender(tr, view),
            rate=await service.send_rate(view.id) if view.status == SENDING else None, rate_limit=rate_limit,
            refresh=REFRESH_SECONDS if view.status == SENDING or not progress.finished else None,
            text=view.texts.get(snap.default_language, ""), notice=_notice(tr, request.query.get("notice", "")),
            status_names=status_names(tr),
        )

    async def cancel(console: Console, request: web.Request) -> web.StreamResponse:
        broadcast_id = int(request.match_info["id"])
        cancelled = await service.cancel(broadcast_id)
        raise web.HTTPFound(f"{PATH}/{broadcast_id}?notice={'cancelled' if cancelled else 'not_running'}")

    by_id = PATH + r"/{id:\d{1,9}}"
    return (
        ConsolePage(PATH, lambda tr: tr._("Broadcasts"), compose, role=ORGANISER),
        ConsolePage(PATH, None, compose, method="POST", role=ORGANISER),
        ConsolePage(PATH + "/preview", None, preview, method="POST", role=ORGANISER),
        ConsolePage(PATH + "/send", None, send, method="POST", role=ORGANISER),
        ConsolePage(by_id, None, delivery, role=ORGANISER),
        ConsolePage(by_id + "/cancel", None, cancel, method="POST", role=ORGANISER),
    )


async def _compose_page(console: Console, request: web.Request, tr: Translator, wizard: BroadcastWizard, draft: Draft,
                        problem: str | None) -> web.Response:
    service = wizard.service
    snap = await wizard.events.snapshot()
    history = [(view, await service.progress(view.id), _sender(tr, view)) for view in await service.recent(HISTORY)]
    return console.render(
        request, tr, "broadcasts.html", env=templates, status=400 if problem else 200, draft=draft, problem=problem,
        languages=service.languages, default_language=snap.default_language, language_name=language_name,
        audiences=_audience_choices(tr, snap, service.languages), history=history,
        describe=lambda view: describe_audience(tr, view.audience, snap), status_names=status_names(tr),
    )


def _audience_choices(tr: Translator, snap: EventSnapshot, languages: tuple[str, ...]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Option groups of the audience select: (group label, [(value, label)])."""
    return [
        (tr._("Everyone"), [("all", tr._("All delegates")), ("verified", tr._("Verified delegates only"))]),
        (tr._("One language"), [(f"lang:{lang}", language_name(lang)) for lang in languages]),
        (tr._("One delegation"), [(f"country:{code}", tr.pick(name)) for code, name, _ in snap.delegations]),
        (tr._("Attendees of a session (subscribed to its reminder)"), [
            (f"session:{s.id}", f"{tr.day_short(s.starts_at)} {tr.time(s.starts_at)} · {tr.pick(s.title)}") for s in session_choices(snap)
        ]),
    ]


def _draft(form: Mapping[str, object], languages: tuple[str, ...]) -> Draft:
    get = form.get
    texts = {lang: str(get(f"text_{lang}") or "").strip()[:MAX_TEXT] for lang in languages}
    key = str(get("form_key") or "")
    return Draft({lang: text for lang, text in texts.items() if text}, str(get("audience") or "all")[:120],
                 key if len(key) == 32 and key.isalnum() else _form_key())


async def _checked(wizard: BroadcastWizard, draft: Draft) -> Draft:
    """The draft with its audience in canonical form; BroadcastError says what is wrong."""
    await wizard.service.check_texts(draft.texts)
    audience = await wizard.service.check_audience(Audience.parse(draft.audience))
    return Draft(draft.texts, str(audience), draft.form_key)


def _problem(tr: Translator, error: BroadcastError) -> str:
    text = str(error)
    if text.startswith("the text in the event's default language"):
        return tr._("Write the announcement in the event's default language first; the other languages are optional.")
    return tr._("The audience is not valid any more ({detail}); choose it again.").format(detail=text)


def _bubbles(preview: Preview) -> list[list[Markup]]:
    """The messages of each variant as Telegram will show them: the text is Telegram's HTML subset,
    built by render_broadcast from escaped organiser text (esc/b), so it is safe to show as HTML."""
    return [[Markup(reply.text) for reply in variant.replies] for variant in preview.variants]


def _heading(tr: Translator, variant: Variant) -> str:
    names = tr.join([language_name(lang) for lang in variant.languages])
    if variant.translated:
        text = tr.ngettext("As {languages} readers see it ({count} delegate)", "As {languages} readers see it ({count} delegates)", variant.count)
    else:
        text = tr.ngettext("As {languages} readers see it, without a translation ({count} delegate)",
                           "As {languages} readers see it, without a translation ({count} delegates)", variant.count)
    return text.format(languages=names, count=variant.count)


def _form_key() -> str:
    return secrets.token_hex(FORM_KEY_BYTES // 2 + 4)[:32]


def _sender(tr: Translator, view: BroadcastView) -> str:
    if view.origin == "console" and view.sent_by:
        return tr._("{name} (console)").format(name=view.sent_by)
    if view.origin == "telegram" and view.created_by is not None:
        return tr._("Telegram user {id}").format(id=view.created_by)
    return tr._("the command line")


def status_names(tr: Translator) -> dict[str, str]:
    return {SCHEDULED: tr._("scheduled"), SENDING: tr._("sending"), DONE: tr._("finished"), CANCELLED: tr._("cancelled")}


def _notice(tr: Translator, code: str) -> str | None:
    return {
        "cancelled": tr._("Cancelled: messages not yet sent will not go out."),
        "not_running": tr._("That broadcast is not running any more."),
    }.get(code)
