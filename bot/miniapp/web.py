"""The Mini App over HTTP, on the bot's own server (bot/ops.py): the page, its script and style, and
the views it loads.

- `/app` is a static page with no data: Telegram opens it with the launch data in the URL fragment
  (`#tgWebAppData=...`), which never reaches a server. Its script (ours, served from here; no
  telegram-web-app.js, nothing from outside) reads the fragment and sends the initData with every
  request in `Authorization: tma <initData>`.
- `/app/api/...` validate that initData (bot/miniapp/initdata.py) on every request: missing, forged or
  expired gets 401 and no data. The delegate is the one the initData names, never a parameter, so a
  delegate sees and changes only their own agenda.
- The views are HTML fragments rendered here, in the delegate's language with the bot's catalogs and
  Babel, autoescaped by Jinja; the script inserts them and wires the buttons. The Content-Security-
  Policy allows scripts, styles and requests to this origin only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.answers.format import session_name, speaker_label
from bot.answers.places import CATEGORY_LABELS, closest
from bot.event.geo import walking_minutes
from bot.event.service import day_by_id, session_by_id
from bot.i18n import Translator
from bot.miniapp import service as outcomes
from bot.miniapp.initdata import InitDataError, InitDataValidator
from bot.miniapp.programme import Filters, Page, Search, facets, kind_label, programme, search_sessions, track_of
from bot.miniapp.service import MiniAppService, Viewer

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
PREFIX = "/app"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors https://web.telegram.org https://*.telegram.org"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",  # a delegate's agenda stays out of caches
}
SESSION_ID = r"{session_id:[^/]{1,64}}"
SPEAKER_ID = r"{speaker_id:[^/]{1,64}}"

templates = Environment(
    loader=FileSystemLoader(str(HERE / "templates")), autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined,
)
View = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def text_direction(tr: Translator) -> str:
    """"rtl" for languages written right to left (Arabic, Hebrew, Persian...), else "ltr"."""
    return "rtl" if tr.locale.character_order == "right-to-left" else "ltr"


def _offset_minutes(tr: Translator, instant: datetime) -> int:
    offset = tr.local(instant).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def _render(viewer: Viewer, name: str, status: int = 200, **context: Any) -> web.Response:
    tr = viewer.tr
    html = templates.get_template(name).render(
        tr=tr, _=tr._, ngettext=tr.ngettext, lang=tr.language.replace("_", "-"), dir=text_direction(tr),
        session_name=lambda s: session_name(tr, s), offset=lambda instant: _offset_minutes(tr, instant),
        kind_name=lambda kind: tr._(kind_label(kind)), track_of=track_of, speaker_label=lambda sp: speaker_label(tr, sp),
        speakers_of=lambda s: [viewer.snap.speakers[i].name for i in s.speaker_ids if i in viewer.snap.speakers],
        **context,
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8", headers=HEADERS)


def _refusal(status: int, message: str) -> web.Response:
    """401/403 without data: a short text the page shows as it is (plain text, no markup)."""
    return web.Response(text=message, status=status, content_type="text/plain", charset="utf-8", headers=HEADERS)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def miniapp_routes(
    app_service: MiniAppService, validator: InitDataValidator, now: Callable[[], datetime], search: Search = search_sessions,
    wall_clock: Callable[[], datetime] = utc_now,
) -> list[web.AbstractRouteDef]:
    """`now` is the event's clock (what is on now; a rehearsal's ASSISTANT_NOW); `wall_clock` the real
    time that Telegram's auth_date is judged by, whatever moment the event is rehearsed at."""
    def authenticated(view: View) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            header = request.headers.get("Authorization", "")
            init_data = header[4:] if header.startswith("tma ") else None
            try:
                user = validator.validate(init_data, wall_clock())
            except InitDataError as error:
                log.info("Mini App request refused: %s", error)
                return _refusal(401, "This page only works when opened from the assistant's button in Telegram.")
            viewer = await app_service.viewer(user)
            if viewer is None:
                return _refusal(403, "Start a chat with the assistant in Telegram first, then open the programme again.")
            return await view(request, viewer)

        return handle

    async def shell(request: web.Request) -> web.Response:
        page = (HERE / "templates" / "shell.html").read_text(encoding="utf-8")
        return web.Response(text=page, content_type="text/html", charset="utf-8", headers={**HEADERS, "Cache-Control": "no-cache"})

    async def programme_view(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        filters = Filters.of(dict(request.query))
        offset = int(request.query["offset"]) if request.query.get("offset", "").isdigit() and len(request.query["offset"]) < 7 else 0
        searched = await search(viewer.snap, filters.query) if filters.query else []
        page = programme(viewer.snap, filters, now(), offset, searched=searched)
        starred = await app_service.starred(viewer.delegate.user_id)
        context: dict[str, Any] = {"page": page, "filters": filters, "starred": starred, "now": now(), "next_query": _next_query(filters, page)}
        if offset:
            return _render(viewer, "sessions.html", **context)
        return _render(viewer, "programme.html", days=viewer.snap.days, facets=facets(viewer.snap, page.day), **context)

    async def talk(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        s = session_by_id(viewer.snap, request.match_info["session_id"])
        if s is None:
            return _render(viewer, "missing.html", status=404)
        speakers = [viewer.snap.speakers[i] for i in s.speaker_ids if i in viewer.snap.speakers]
        starred = s.id in await app_service.starred(viewer.delegate.user_id)
        return _render(viewer, "talk.html", s=s, speakers=speakers, starred=starred, now=now(), day=day_by_id(viewer.snap, s.day_id))

    async def agenda(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        entries = await app_service.reminders.entries(viewer.delegate.user_id)
        shown = {s.id: s for s in viewer.snap.sessions}
        sessions = [shown[s.id] for s, _ in entries if s.id in shown]
        days = [(d, [s for s in sessions if s.day_id == d.id]) for d in viewer.snap.days]
        return _render(viewer, "agenda.html", days=[(d, ss) for d, ss in days if ss], count=len(sessions), now=now())

    async def speakers(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        people = sorted(viewer.snap.speakers.values(), key=lambda sp: sp.name.casefold())
        return _render(viewer, "speakers.html", speakers=people)

    async def speaker(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        sp = viewer.snap.speakers.get(request.match_info["speaker_id"])
        if sp is None:
            return _render(viewer, "missing.html", status=404)
        sessions = [s for i in sp.session_ids if (s := session_by_id(viewer.snap, i)) is not None]
        return _render(viewer, "speaker.html", sp=sp, sessions=sessions, starred=await app_service.starred(viewer.delegate.user_id), now=now())

    async def venue(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        tr = viewer.tr
        places = [
            (n.place, tr._(CATEGORY_LABELS.get(n.place.category, CATEGORY_LABELS["other"])), tr.distance(n.metres), walking_minutes(n.metres))
            for n in closest(viewer.snap)
        ]
        return _render(viewer, "venue.html", venue=viewer.snap.venue, places=places)

    async def star(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        try:
            body = await request.json()
            session_id, wanted = str(body["session"])[:64], bool(body["starred"])
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": "bad request"}, status=400, headers=HEADERS)
        result = await app_service.set_star(viewer, session_id, wanted)
        return web.json_response({"starred": result.starred, "outcome": result.outcome, "message": _star_message(viewer.tr, result.outcome)},
                                 headers=HEADERS)

    api = PREFIX + "/api"
    return [
        web.get(PREFIX, shell),
        web.get(PREFIX + "/", shell),
        web.static(PREFIX + "/static", str(HERE / "static"), show_index=False, follow_symlinks=False),
        web.get(api + "/programme", authenticated(programme_view)),
        web.get(api + "/talk/" + SESSION_ID, authenticated(talk)),
        web.get(api + "/agenda", authenticated(agenda)),
        web.get(api + "/speakers", authenticated(speakers)),
        web.get(api + "/speakers/" + SPEAKER_ID, authenticated(speaker)),
        web.get(api + "/venue", authenticated(venue)),
        web.post(api + "/star", authenticated(star)),
    ]


def _next_query(filters: Filters, page: Page) -> str | None:
    if page.next_offset is None:
        return None
    params = {"day": filters.day or (page.day.id if page.day else ""), "track": filters.track, "room": filters.room,
              "kind": filters.kind, "q": filters.query, "offset": str(page.next_offset)}
    return urlencode({k: v for k, v in params.items() if v})


def _star_message(tr: Translator, outcome: str) -> str:
    return {
        outcomes.ADDED: tr._("Added to your agenda. I will remind you in the chat before it starts."),
        outcomes.ALREADY: tr._("Already in your agenda."),
        outcomes.REMOVED: tr._("Removed from your agenda."),
        outcomes.STARTED: tr._("This session has already started: it cannot be added to your reminders."),
        outcomes.CANCELLED: tr._("This session has been cancelled."),
        outcomes.UNKNOWN: tr._("This session is no longer in the programme."),
    }[outcome]

