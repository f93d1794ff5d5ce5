"""The console's "Live picture" page (organisers only): each figure as a server-side SVG chart (no
script), its numbers as a table, and a CSV export of those numbers (/live/<figure>.csv). The page
reloads itself every minute."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.answers.format import session_name
from bot.broadcasts.replies import describe_audience
from bot.helpdesk.web.app import ORGANISER, Console, ConsolePage, console_templates
from bot.helpdesk.web.charts import Chart, column_chart, row_chart
from bot.i18n import Translator
from bot.insights.service import HourCount, InsightsService, SessionFigure

PATH = "/live"
REFRESH_SECONDS = 60
WIDTH, LABELS = 540, 220  # two figures side by side on a laptop
templates = console_templates(Path(__file__).resolve().parent / "templates")


@dataclass(frozen=True)
class Bar:
    key: str
    count: float


@dataclass(frozen=True)
class Figure:
    """One figure: its chart, and the same numbers as a table (and as CSV)."""

    id: str
    title: str
    chart: Chart
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    note: str = ""


Build = Callable[[InsightsService, Translator], Awaitable[Figure]]


def _percent(value: float) -> str:
    return f"{value:.0f} %"


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _hour_labels(hours: list[HourCount]) -> dict[str, str]:
    """Hours as two digits under the columns (24 of them fit), the full time in the table."""
    return {h.hour.isoformat(): f"{h.hour.hour:02d}" for h in hours}


def _session_label(tr: Translator, figure: SessionFigure) -> str:
    return session_name(tr, figure.session) if figure.session else figure.session_id


async def questions(service: InsightsService, tr: Translator) -> Figure:
    hours = await service.questions_per_hour()
    chart = column_chart("questions", tr._("Questions per hour"), [Bar(h.hour.isoformat(), h.questions) for h in hours], _hour_labels(hours), WIDTH)
    rows = tuple((f"{tr.day_short(h.hour)} {tr.time(h.hour)}", h.questions, h.answered,
                  _percent(100 * h.share_answered) if h.share_answered is not None else "—") for h in hours if h.questions)
    return Figure("questions", tr._("Questions per hour, the last 24 hours"), chart,
                  (tr._("Hour"), tr._("Questions"), tr._("Answered by the bot"), tr._("Share answered")), rows)


async def answered_share(service: InsightsService, tr: Translator) -> Figure:
    hours = [h for h in await service.questions_per_hour() if h.share_answered is not None]
    chart = column_chart("answered", tr._("Share answered by the bot"), [Bar(h.hour.isoformat(), 100 * (h.share_answered or 0)) for h in hours],
                         _hour_labels(hours), WIDTH, fmt=lambda v: f"{v:.0f}", peak=100)
    rows = tuple((f"{tr.day_short(h.hour)} {tr.time(h.hour)}", h.answered, h.questions, _percent(100 * (h.share_answered or 0))) for h in hours)
    return Figure("answered", tr._("Share of questions the bot answered itself, per hour"), chart,
                  (tr._("Hour"), tr._("Answered by the bot"), tr._("Questions"), tr._("Share answered")), rows)


async def unanswered(service: InsightsService, tr: Translator) -> Figure:
    groups = await service.top_unanswered()
    chart = row_chart("unanswered", tr._("Top unanswered questions"), [Bar(_short(g.example), g.count) for g in groups], WIDTH, label_width=LABELS)
    rows = tuple((g.example, g.count, tr.datetime(g.latest, "short")) for g in groups)
    return Figure("unanswered", tr._("Top unanswered questions (open tickets, the same question in other words counted together)"), chart,
                  (tr._("Question"), tr._("Times asked"), tr._("Last asked")), rows)


async def intents(service: InsightsService, tr: Translator) -> Figure:
    found = await service.intents()
    chart = row_chart("intents", tr._("Most asked"), [Bar(name, n) for name, n in found], WIDTH, label_width=LABELS)
    return Figure("intents", tr._("Most asked intents"), chart, (tr._("Intent"), tr._("Questions")), tuple(found))


async def reminders(service: InsightsService, tr: Translator) -> Figure:
    found = await service.reminders_per_session()
    chart = row_chart("reminders", tr._("Reminders per session"), [Bar(_short(_session_label(tr, f)), f.value) for f in found], WIDTH, label_width=LABELS)
    rows = tuple((_session_label(tr, f), int(f.value)) for f in found)
    return Figure("reminders", tr._("Reminders subscribed per session"), chart, (tr._("Session"), tr._("Reminders")), rows)


async def ratings(service: InsightsService, tr: Translator) -> Figure:
    found = await service.ratings_per_session()
    chart = row_chart("ratings", tr._("Ratings per session"), [Bar(_short(_session_label(tr, f)), f.value) for f in found], WIDTH,
                      fmt=lambda v: f"{v:.1f}", peak=5, label_width=LABELS)
    rows = tuple((_session_label(tr, f), f"{f.value:.2f}", f.votes) for f in found)
    return Figure("ratings", tr._("Ratings per session (average of 1–5 stars)"), chart, (tr._("Session"), tr._("Average"), tr._("Votes")), rows)


async def deliveries(service: InsightsService, tr: Translator) -> Figure:
    found = await service.deliveries()
    snap = await service.events.snapshot()
    chart = row_chart("deliveries", tr._("Broadcast deliveries"), [Bar(f"#{d.broadcast.id}", d.progress.sent) for d in found], WIDTH, label_width=60)
    rows = tuple(
        (f"#{d.broadcast.id}", describe_audience(tr, d.broadcast.audience, snap), d.progress.total, d.progress.sent,
         d.progress.failed - d.progress.blocked, d.progress.blocked, d.progress.cancelled, d.progress.waiting)
        for d in found
    )
    return Figure("deliveries", tr._("Broadcast deliveries (the last ten)"), chart,
                  (tr._("Broadcast"), tr._("Audience"), tr._("Recipients"), tr._("Delivered"), tr._("Failed"), tr._("Blocked the bot"),
                   tr._("Cancelled"), tr._("Waiting")), rows)


FIGURES: dict[str, Build] = {
    "questions": questions, "answered": answered_share, "unanswered": unanswered, "intents": intents,
    "reminders": reminders, "ratings": ratings, "deliveries": deliveries,
}


def csv_of(figure: Figure) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(figure.columns)
    for row in figure.rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def _cell(value: object) -> object:
    """Spreadsheets run a cell starting with = + - @ as a formula: delegates wrote these questions."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def live_pages(service: InsightsService) -> tuple[ConsolePage, ...]:
    async def page(console: Console, request: web.Request) -> web.StreamResponse:
        tr = await console.helpdesk.translator()
        figures = [await build(service, tr) for build in FIGURES.values()]
        return console.render(request, tr, "live.html", env=templates, figures=figures, refresh=REFRESH_SECONDS,
                              now=tr.datetime(service.now(), "short"))

    async def export(console: Console, request: web.Request) -> web.StreamResponse:
        build = FIGURES.get(request.match_info["figure"])
        if build is None:
            raise web.HTTPNotFound()
        figure = await build(service, await console.helpdesk.translator())
        return web.Response(body=("\ufeff" + csv_of(figure)).encode("utf-8"), content_type="text/csv", charset="utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{figure.id}.csv"'})

    return (
        ConsolePage(PATH, lambda tr: tr._("Live picture"), page, role=ORGANISER),
        ConsolePage(PATH + r"/{figure:[a-z]{1,20}}.csv", None, export, role=ORGANISER),
    )
