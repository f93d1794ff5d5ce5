"""The chair's page: a session's approved questions as plain HTML, for a phone on the podium.

Served by the bot's own HTTP server (bot/ops.py, LISTEN:PORT, always running) at
/questions/<session id>/<token>. The token is an HMAC of the session id under QUESTIONS_SECRET (or,
without one, the bot token), so the address is unguessable yet the same on every replica and after a
restart; a wrong token and an unknown session both get the same 404. The page reloads itself every
REFRESH_SECONDS, holds no script, and escapes every question (delegates wrote them).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from urllib.parse import quote

from aiohttp import web

from bot.answers.format import session_name, when_where
from bot.answers.reply import esc
from bot.event.service import session_by_id
from bot.i18n import Translator, normalise_language
from bot.questions.service import QuestionService
from bot.settings import Settings

log = logging.getLogger(__name__)
REFRESH_SECONDS = 15
PATH = "/questions/{session_id}/{token}"
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


def page_secret(settings: Settings) -> bytes:
    """QUESTIONS_SECRET, else the bot token (secret, and shared by every replica). With neither (the
    local emulator) a random key: links then last as long as the process."""
    if settings.questions_secret:
        return settings.questions_secret.encode("utf-8")
    if settings.telegram_bot_token:
        return hashlib.sha256(b"questions-page:" + settings.telegram_bot_token.encode("utf-8")).digest()
    log.info("no QUESTIONS_SECRET and no bot token: the chair's page links change when the bot restarts")
    return secrets.token_bytes(32)


def page_token(secret: bytes, session_id: str) -> str:
    return hmac.new(secret, f"questions:{session_id}".encode(), hashlib.sha256).hexdigest()[:32]


def page_path(secret: bytes, session_id: str) -> str:
    return f"/questions/{quote(session_id, safe='')}/{page_token(secret, session_id)}"


def base_url(settings: Settings, bound_port: int | None = None) -> str:
    """PUBLIC_URL when set (the address people outside reach, behind a proxy), else LISTEN:PORT."""
    if settings.public_url:
        return settings.public_url
    host = "127.0.0.1" if settings.listen in ("0.0.0.0", "::", "") else settings.listen
    return f"http://{host}:{bound_port or settings.port}"


def render_page(tr: Translator, title: str, when: str, questions: list[tuple[str, str | None]], *, refresh: int = REFRESH_SECONDS) -> str:
    """The whole HTML document; `questions` are (text, shown name or None), already in order."""
    anonymous, empty = tr._("anonymous"), tr._("No approved questions yet.")
    note = tr._("This page refreshes itself every {seconds} seconds.").format(seconds=refresh)
    items = "\n".join(f'<li><p>{esc(text)}</p><p class="who">— {esc(name or anonymous)}</p></li>' for text, name in questions)
    listing = f"<ol>\n{items}\n</ol>" if items else f'<p class="empty">{esc(empty)}</p>'
    return f"""<!doctype html>
<html lang="{esc(tr.language.replace('_', '-'))}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{refresh}">
<meta name="robots" content="noindex, nofollow">
<title>{esc(title)}</title>
<style>
body {{ font: 1.15rem/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 46rem; padding: 1rem; color: #111; background: #fff; }}
h1 {{ font-size: 1.35rem; margin: 0 0 .2rem; }}
.when, .who, .note {{ color: #555; }}
ol {{ padding-left: 1.6rem; }}
li {{ margin: 0 0 1.1rem; white-space: pre-wrap; overflow-wrap: anywhere; }}
li p {{ margin: 0; }}
@media (prefers-color-scheme: dark) {{ body {{ color: #eee; background: #111; }} .when, .who, .note {{ color: #aaa; }} }}
</style>
</head>
<body>
<h1>{esc(title)}</h1>
<p class="when">{esc(when)}</p>
{listing}
<p class="note">{esc(note)}</p>
</body>
</html>
"""


def question_routes(service: QuestionService, secret: bytes, languages: tuple[str, ...]) -> list[web.RouteDef]:
    async def page(request: web.Request) -> web.Response:
        session_id, token = request.match_info["session_id"], request.match_info["token"]
        snap = await service.events.snapshot()
        session = session_by_id(snap, session_id)
        if session is None or not hmac.compare_digest(token, page_token(secret, session_id)):
            raise web.HTTPNotFound(text="Not found", headers={"Cache-Control": "no-store"})
        language = normalise_language(request.query.get("lang"), languages) or snap.default_language
        tr = Translator(language, snap.timezone, snap.default_language)
        approved = await service.approved(session_id)
        body = render_page(tr, tr._("Approved questions · {session}").format(session=session_name(tr, session)),
                           when_where(tr, session), [(q.text, q.shown_name) for q in approved])
        return web.Response(text=body, content_type="text/html", charset="utf-8", headers=_HEADERS)

    return [web.get(PATH, page)]
