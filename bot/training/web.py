"""The console's "Training" page (organisers only): "Retrain now", the training's progress while the
current model keeps answering, the held-out accuracy before and after, and the organiser's decision
when the new model is worse (or could not be scored). The page reloads itself while a training runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from bot.helpdesk.web.app import ORGANISER, Console, ConsolePage, agent_name, console_templates
from bot.i18n import Translator
from bot.training.models import EVALUATING, EXPORTING, FAILED, KEPT, LOADED, READY, RUNNING, TRAINING
from bot.training.service import TrainingService

PATH = "/training"
REFRESH_SECONDS = 3
templates = console_templates(Path(__file__).resolve().parent / "templates")
Launch = Callable[[int], None]


def training_pages(service: TrainingService | None, launch: Launch) -> tuple[ConsolePage, ...]:
    """`service` is None when the model runs on a Rasa server (NLU_URL): the page says so.
    `launch(run_id)` runs a started training in the background."""

    async def page(console: Console, request: web.Request) -> web.StreamResponse:
        tr = await console.helpdesk.translator()
        latest = await service.latest() if service else None
        busy = latest is not None and (latest.running or latest.waiting)
        return console.render(
            request, tr, "training.html", env=templates, available=service is not None, latest=latest, busy=busy,
            runs=await service.recent() if service else [], states=_states(tr),
            refresh=REFRESH_SECONDS if latest is not None and latest.running else None,
            notice=_notices(tr).get(request.query.get("notice", "")), percent=_percent,
        )

    async def start(console: Console, request: web.Request) -> web.StreamResponse:
        if service is None:
            raise web.HTTPFound(PATH)
        started = await service.start(agent_name(request))
        if started is None:
            raise web.HTTPFound(PATH + "?notice=busy")
        launch(started.id)
        raise web.HTTPFound(PATH + "?notice=started")

    def decision(load: bool):  # type: ignore[no-untyped-def]
        async def decide(console: Console, request: web.Request) -> web.StreamResponse:
            if service is None:
                raise web.HTTPFound(PATH)
            done = await service.decide(int(request.match_info["id"]), load, agent_name(request))
            raise web.HTTPFound(PATH + "?notice=" + ("decided" if done else "stale"))

        return decide

    by_id = PATH + r"/{id:\d{1,9}}"
    return (
        ConsolePage(PATH, lambda tr: tr._("Training"), page, role=ORGANISER),
        ConsolePage(PATH + "/start", None, start, method="POST", role=ORGANISER),
        ConsolePage(by_id + "/load", None, decision(True), method="POST", role=ORGANISER),
        ConsolePage(by_id + "/keep", None, decision(False), method="POST", role=ORGANISER),
    )


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def _states(tr: Translator) -> dict[str | None, str]:
    return {
        EXPORTING: tr._("exporting the labelled questions"), TRAINING: tr._("training"), EVALUATING: tr._("measuring the accuracy"),
        RUNNING: tr._("running"), READY: tr._("waiting for your decision"), LOADED: tr._("loaded: the new model answers"),
        KEPT: tr._("not loaded: the model serving stays"), FAILED: tr._("failed"),
    }


def _notices(tr: Translator) -> dict[str, str]:
    return {
        "started": tr._("Training started. The current model answers meanwhile."),
        "busy": tr._("A training is already running or waiting for a decision: one at a time."),
        "decided": tr._("Done."),
        "stale": tr._("That training no longer waits for a decision."),
    }
