"""The "Feedback" page of the helpdesk console: results per session and, for one session, its comments.

Behind the console's login like every page; delegates' comments reach HTML only through Jinja's
autoescaping (templates/feedback.html in bot/helpdesk/web)."""

from __future__ import annotations

from aiohttp import web

from bot.answers.format import session_name
from bot.event.service import EventService, session_by_id
from bot.feedback.service import FeedbackService, SessionResult
from bot.helpdesk.web.app import Console, ConsolePage
from bot.i18n import Translator

PATH = "/feedback"


def feedback_page(service: FeedbackService, events: EventService) -> ConsolePage:
    async def show(console: Console, request: web.Request) -> web.StreamResponse:
        tr = await console.helpdesk.translator()
        wanted = request.query.get("session")
        if wanted is not None:
            snap = await events.snapshot()
            s = session_by_id(snap, wanted)
            if s is None:
                raise web.HTTPNotFound()
            results = await service.results(s.id)
            return console.render(request, tr, "feedback.html", rows=[_row(tr, r) for r in results], session_title=session_name(tr, s),
                                  comments=await service.comments(s.id))
        results = await service.results()
        return console.render(request, tr, "feedback.html", rows=[_row(tr, r) for r in results], session_title=None, comments=[])

    return ConsolePage(PATH, lambda tr: tr._("Feedback"), show)


def _row(tr: Translator, r: SessionResult) -> dict[str, object]:
    s = r.session
    return {
        "id": r.session_id,
        "title": session_name(tr, s) if s else r.session_id,
        "when": tr.datetime(s.starts_at, "short") if s else "",
        "prompted": r.prompted,
        "votes": r.votes,
        "average": f"{r.average:.2f}" if r.average is not None else "—",
        "distribution": r.distribution,
        "comments": r.comments,
    }
