"""The helpdesk console: an aiohttp application with server-side Jinja templates (autoescaped).

Security, in one place:
- login with a name and an argon2-hashed password, throttled per name and per address (a few
  failures pause logins for some minutes; bot.helpdesk.throttle); the session is a random token in an HttpOnly,
  SameSite=Strict cookie (Secure behind TLS: HELPDESK_WEB_SECURE_COOKIES, or a trusted proxy's
  X-Forwarded-Proto), checked against the database on every request;
- every POST carries a CSRF token: the session's own token, or (for the login form, before there is
  a session) a double-submit token also held in a cookie; a missing or wrong token gets 403;
- every response carries a Content-Security-Policy without scripts (the console has none), and
  nosniff, no framing, no referrer, no caching headers;
- delegate and agent text only reaches HTML through Jinja's autoescaping;
- roles: every agent sees the tickets and the statistics; pages a feature marks `role=ORGANISER`
  (broadcasts, the live picture, training) are listed and served only to organisers (403 for others).
"""

from __future__ import annotations

import hmac
import math
import re
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.helpdesk.accounts import AgentService, LoginResult, SessionView
from bot.helpdesk.models import STATUSES
from bot.helpdesk.replies import excerpt, language_name, reason_text
from bot.helpdesk.service import HelpdeskService
from bot.helpdesk.views import Count, Outcome, TicketFilter
from bot.helpdesk.web.charts import column_chart, row_chart
from bot.i18n import Translator

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "hd_session"
LOGIN_COOKIE = "hd_login"
LOGIN_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
PAGE_SIZE = 50
FAQ_CHOICE = "__faq__"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
ReloadModel = Callable[[], Awaitable[bool]]
ORGANISER = "organiser"  # the role of the organisers' pages (ConsolePage.role)


@dataclass(frozen=True)
class ConsolePage:
    """A page a feature adds to the console, behind the same login and CSRF check: its path, its menu
    label (in the console's language; None: not in the menu, e.g. a form's target or a CSV export),
    its handler (which renders with `Console.render`), the HTTP method, and the role it needs (None:
    every agent; ORGANISER: organisers only, others get 403). The organisers' pages: broadcasts, the
    live picture, training; the schedule's sync status (issue 16) joins them from the schedule feature's
    `console_pages` the same way."""

    path: str
    label: Callable[[Translator], str] | None
    handler: Callable[[Console, web.Request], Awaitable[web.StreamResponse]]
    method: str = "GET"
    role: str | None = None



def console_templates(*directories: Path) -> Environment:
    """The console's Jinja environment (autoescaped, strict); a feature passes its own template
    directory, searched before the console's, so its pages extend the console's base.html."""
    loader = FileSystemLoader([*(str(d) for d in directories), str(HERE / "templates")])
    env = Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
    env.globals.update(excerpt=excerpt, language_name=language_name, reason_text=reason_text, FAQ_CHOICE=FAQ_CHOICE)
    return env


templates = console_templates()


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"


def forwarded(request: web.Request, header: str) -> str | None:
    """The value a reverse proxy put in `header` (the last one: a client may send its own first)."""
    values = [v.strip() for v in ",".join(request.headers.getall(header, [])).split(",") if v.strip()]
    return values[-1] if values else None


class Console:
    """The console's pages; one instance per running bot."""

    def __init__(self, helpdesk: HelpdeskService, agents: AgentService, reload_model: ReloadModel | None = None,
                 pages: Sequence[ConsolePage] = (), *, secure_cookies: bool = False, trust_proxy: bool = False) -> None:
        """`secure_cookies`: HELPDESK_WEB_SECURE_COOKIES; `trust_proxy`: HELPDESK_WEB_TRUST_PROXY (the
        X-Forwarded-* headers come from our own reverse proxy, not from whoever connects)."""
        self.helpdesk = helpdesk
        self.agents = agents
        self.reload_model = reload_model
        self.pages = list(pages)
        self.secure_cookies = secure_cookies
        self.trust_proxy = trust_proxy

    def add_page(self, page: ConsolePage) -> None:
        """Before `application()` is called (features install theirs at start-up)."""
        self.pages.append(page)

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=64 * 1024)
        app.on_response_prepare.append(_security_headers)  # type: ignore[arg-type]
        app.add_routes([
            web.get("/", self.home),
            web.get("/favicon.ico", self.favicon),
            web.get("/login", self.login_page),
            web.post("/login", self.login),
            web.post("/logout", self.logout),
            web.get("/tickets", self.ticket_list),
            web.get(r"/tickets/{id:\d{1,12}}", self.ticket_page),
            web.post(r"/tickets/{id:\d{1,12}}/answer", self.answer),
            web.post(r"/tickets/{id:\d{1,12}}/close", self.close),
            web.post(r"/tickets/{id:\d{1,12}}/label", self.label),
            web.get("/stats", self.stats),
            web.post("/model/reload", self.reload),
            *(web.route(page.method, page.path, self._page_handler(page)) for page in self.pages),
            web.static("/static", str(HERE / "static"), show_index=False, follow_symlinks=False),
        ])
        return app

    # --- the guard: sessions and CSRF ---------------------------------------------------------
    @web.middleware
    async def _guard(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        if request.path == "/favicon.ico" or request.path.startswith("/static/"):
            return await handler(request)
        session = await self.agents.session(request.cookies.get(SESSION_COOKIE))
        request["session"] = session
        public = request.path == "/login"
        if session is None and not public:
            if request.method in ("GET", "HEAD"):
                raise web.HTTPFound("/login")
            return await self._refuse(request)
        if request.method == "POST":
            form = await request.post()
            expected = request.cookies.get(LOGIN_COOKIE) if request.path == "/login" else (session.csrf_token if session else None)
            given = form.get("csrf")
            if not expected or not isinstance(given, str) or not hmac.compare_digest(given.encode(), expected.encode()):
                return await self._refuse(request)
        return await handler(request)

    async def _refuse(self, request: web.Request) -> web.Response:
        tr = await self.helpdesk.translator()
        return self._render(request, tr, "error.html", status=403, message=tr._(
            "This form has expired or did not come from the helpdesk console. Go back, reload the page and try again."
        ))

    def _page_handler(self, page: ConsolePage) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            if not _may_see(request.get("session"), page):
                tr = await self.helpdesk.translator()
                return self._render(request, tr, "error.html", status=403, message=tr._(
                    "This page is for the event's organisers. Ask an organiser to give you the role if you need it."
                ))
            return await page.handler(self, request)

        return handle

    # --- rendering ---------------------------------------------------------------------------
    def render(self, request: web.Request, tr: Translator, name: str, status: int = 200, *, env: Environment | None = None,
               **context: Any) -> web.Response:
        """A page in the console's frame; `env` is a feature's `console_templates(...)` environment.
        Templates translate with `_()` and `ngettext()` (extracted into the catalogs) or `tr`."""
        return self._render(request, tr, name, status, env=env, **context)

    def _render(self, request: web.Request, tr: Translator, name: str, status: int = 200, *, env: Environment | None = None,
                **context: Any) -> web.Response:
        session: SessionView | None = request.get("session")
        context.setdefault("notice", None)
        html = (env or templates).get_template(name).render(
            tr=tr, _=tr._, ngettext=tr.ngettext, agent=session.agent if session else None, csrf=session.csrf_token if session else "",
            feature_pages=[(page.path, page.label(tr)) for page in self.pages if page.label and _may_see(session, page)], **context
        )
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")

    def _address(self, request: web.Request) -> str:
        """The client's address: the peer's, or (HELPDESK_WEB_TRUST_PROXY) the one our proxy saw."""
        proxied = forwarded(request, "X-Forwarded-For") if self.trust_proxy else None
        return (proxied or request.remote or "unknown")[:100]

    def _over_https(self, request: web.Request) -> bool:
        return request.secure or (self.trust_proxy and (forwarded(request, "X-Forwarded-Proto") or "").lower() == "https")

    def _cookie(self, request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
        """HttpOnly, SameSite=Strict, and Secure when configured or the request came over HTTPS
        (a Secure cookie never travels over plain HTTP, where anyone on the path could read it)."""
        secure = self.secure_cookies or self._over_https(request)
        response.set_cookie(name, value, httponly=True, samesite="Strict", path="/", secure=secure)

    @staticmethod
    def _agent(request: web.Request) -> str:
        return agent_name(request)

    # --- login -------------------------------------------------------------------------------
    async def home(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/tickets")

    async def favicon(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def login_page(self, request: web.Request, error: str | None = None) -> web.Response:
        tr = await self.helpdesk.translator()
        # Keep the token another tab (or the browser's own requests) already holds, so that
        # opening the login page twice does not invalidate the first form.
        held = request.cookies.get(LOGIN_COOKIE, "")
        token = held if LOGIN_TOKEN.fullmatch(held) else secrets.token_urlsafe(32)
        response = self._render(request, tr, "login.html", status=401 if error else 200, login_csrf=token, error=error)
        self._cookie(request, response, LOGIN_COOKIE, token)
        return response

    async def login(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        name, password = str(form.get("name") or ""), str(form.get("password") or "")
        result = await self.agents.login(name, password, self._address(request)) if name and password else LoginResult(None)
        agent = result.agent
        if agent is None:
            tr = await self.helpdesk.translator()
            error = tr._("Wrong name or password.")
            if result.paused_for is not None:
                minutes = timedelta(minutes=max(1, math.ceil(result.paused_for.total_seconds() / 60)))
                error += " " + tr._("Too many failed logins: logins for this name or from this address are paused for {duration}.").format(duration=tr.duration(minutes))
            return await self.login_page(request, error=error)
        token, _ = await self.agents.start_session(agent)
        response = _redirect("/tickets")
        self._cookie(request, response, SESSION_COOKIE, token)
        response.del_cookie(LOGIN_COOKIE, path="/")
        return response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        await self.agents.end_session(request.cookies.get(SESSION_COOKIE))
        response = _redirect("/login")
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    # --- tickets -----------------------------------------------------------------------------
    async def ticket_list(self, request: web.Request) -> web.Response:
        tr = await self.helpdesk.translator()
        languages, intents = await self.helpdesk.facets()
        query = request.query
        status = query.get("status", "open")
        day = _date(query.get("day", ""))
        page = max(int(query["page"]) if query.get("page", "").isdigit() and len(query["page"]) < 6 else 1, 1)
        wanted = TicketFilter(
            status=status if status in STATUSES else None,
            language=query.get("language") if query.get("language") in languages else None,
            intent=query.get("intent") if query.get("intent") in intents else None,
            day=day,
            label=query.get("label") if query.get("label") in ("unlabelled", "labelled", "faq") else None,
            limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
        )
        tickets, total = await self.helpdesk.tickets(wanted)
        params = {k: v for k, v in {
            "status": status if status in STATUSES else "all", "language": wanted.language or "", "intent": wanted.intent or "",
            "day": day.isoformat() if day else "", "label": wanted.label or "",
        }.items() if v}
        return self._render(
            request, tr, "tickets.html", tickets=tickets, total=total, wanted=wanted, params=params, page=page,
            pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), languages=languages, intents=intents, statuses=STATUSES,
        )

    async def ticket_page(self, request: web.Request) -> web.Response:
        tr = await self.helpdesk.translator()
        ticket = await self.helpdesk.get(int(request.match_info["id"]))
        if ticket is None:
            raise web.HTTPNotFound()
        notice = _notices(tr).get(request.query.get("notice", ""))
        return self._render(request, tr, "ticket.html", ticket=ticket, intents=self.helpdesk.intents, notice=notice)

    async def answer(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        outcome = await self.helpdesk.answer(int(request.match_info["id"]), str(form.get("text") or ""), self._agent(request))
        return _after(request, outcome, "answered")

    async def close(self, request: web.Request) -> web.StreamResponse:
        outcome = await self.helpdesk.close(int(request.match_info["id"]), self._agent(request))
        return _after(request, outcome, "closed")

    async def label(self, request: web.Request) -> web.StreamResponse:
        choice = str((await request.post()).get("label") or "")
        intent = choice if choice and choice != FAQ_CHOICE else None
        outcome = await self.helpdesk.label(int(request.match_info["id"]), intent, choice == FAQ_CHOICE, self._agent(request))
        return _after(request, outcome, "labelled")

    # --- statistics and the model ----------------------------------------------------------
    async def stats(self, request: web.Request) -> web.Response:
        tr = await self.helpdesk.translator()
        stats = await self.helpdesk.stats()
        day_labels = {c.key: tr.day_short(date.fromisoformat(c.key)) for c in stats.per_day}
        charts = [
            column_chart("per-day", tr._("Unanswered questions per day"), stats.per_day, day_labels),
            row_chart("per-intent", tr._("Unanswered questions per intent (as the model guessed)"), stats.per_intent),
            row_chart("per-language", tr._("Unanswered questions per language"), tuple(
                Count(language_name(c.key), c.count) for c in stats.per_language
            )),
        ]
        notice = _notices(tr).get(request.query.get("notice", ""))
        return self._render(request, tr, "stats.html", stats=stats, charts=charts, notice=notice, can_reload=self.reload_model is not None)

    async def reload(self, request: web.Request) -> web.StreamResponse:
        changed = await self.reload_model() if self.reload_model is not None else False
        raise web.HTTPFound("/stats?notice=" + ("model_reloaded" if changed else "model_current"))


def agent_name(request: web.Request) -> str:
    """The logged-in agent behind a request (the guard has checked the session)."""
    session: SessionView = request["session"]
    return session.agent.name


def _may_see(session: SessionView | None, page: ConsolePage) -> bool:
    if page.role is None:
        return session is not None
    return session is not None and page.role == ORGANISER and session.agent.organiser


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _after(request: web.Request, outcome: Outcome, done: str) -> web.StreamResponse:
    """Post/redirect/get: back to the ticket, with what happened (or why nothing did)."""
    if outcome.problem == "not_found":
        raise web.HTTPNotFound()
    notice = "closed_problem" if outcome.problem == "closed" else outcome.problem or done
    raise web.HTTPFound(f"/tickets/{request.match_info['id']}?notice={notice}")


def _notices(tr: Translator) -> dict[str, str]:
    return {
        "answered": tr._("Answer queued: the delegate receives it in a moment."),
        "closed": tr._("Ticket closed."),
        "labelled": tr._("Label saved."),
        "already_answered": tr._("This ticket was already answered; your answer was not sent."),
        "closed_problem": tr._("This ticket is closed."),
        "forgotten": tr._("The delegate deleted their data; the answer cannot be delivered."),
        "empty": tr._("Please write an answer first."),
        "unknown_intent": tr._("Unknown intent; nothing was changed."),
        "model_reloaded": tr._("A newer NLU model is now answering."),
        "model_current": tr._("The newest NLU model is already answering."),
    }
