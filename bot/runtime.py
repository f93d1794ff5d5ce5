"""Wires the services together once, from the settings: the composition root of the application."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from bot.answers.service import AnswerService
from bot.clock import Clock, clock_from
from bot.conversation.service import ConversationService
from bot.db import Database
from bot.delegates.service import DelegateService, RoleService
from bot.event.importer import has_event, import_event
from bot.event.loader import load_event_file
from bot.event.service import EventService
from bot.feature import Features
from bot.i18n import ui_languages_of
from bot.metrics import Metrics
from bot.outbox.dispatcher import Dispatcher, Doorbell
from bot.settings import Settings
from bot.updates.service import UpdateLedger
from nlu.interpreter import Interpreter, load_interpreter

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    clock: Clock
    database: Database
    events: EventService
    delegates: DelegateService
    roles: RoleService
    answers: AnswerService
    conversation: ConversationService
    interpreter: Interpreter
    ledger: UpdateLedger  # which updates this or another replica took
    metrics: Metrics = field(default_factory=Metrics)
    doorbell: Doorbell = field(default_factory=Doorbell)  # rung after queueing outbox rows: delivery starts at once
    features: Features = field(default_factory=Features)  # set by bot.features.install_features
    dispatcher: Dispatcher | None = None  # this process's outbox dispatcher, while it runs
    http_port: int | None = None  # the bot's HTTP server's port once it listens (PORT=0 takes any)

    async def forget(self, user_id: int) -> None:
        """/forget: every feature erases or anonymises what it keeps about the person, then their
        conversation and their delegate record go (the features may still read those first)."""
        await self.features.forget(user_id)
        await self.conversation.forget(user_id)
        await self.delegates.forget(user_id)

    async def close(self) -> None:
        await self.interpreter.close()
        await self.database.dispose()


async def prepare_database(settings: Settings, database: Database, clock: Clock, attempts: int = 5) -> None:
    """Migrates the schema and imports EVENT_FILE when the database holds no event yet (with
    SCHEDULE_URL and no EVENT_FILE given, the schedule export creates the event instead).

    Replicas starting together race for both; the loser's transaction fails and rolls back, and on
    its next attempt it finds the schema current and the event imported.
    """
    for attempt in range(1, attempts + 1):
        try:
            await database.migrate()
            if not await has_event(database) and settings.schedule_url and not settings.event_file_given:
                from bot.schedule.service import first_import

                log.info("schedule loaded: %s", await first_import(settings, database, clock.now()))
            elif not await has_event(database):  # an imported event needs no file (EVENT_FILE may be gone)
                summary = await import_event(database, load_event_file(settings.event_file), clock.now())
                log.info("event file loaded: %s", summary.line())
            return
        except DBAPIError:
            if attempt == attempts:
                raise
            log.info("database set-up raced another replica (attempt %d); trying again", attempt)
            await asyncio.sleep(0.5 * attempt)


async def _process_interpreter(settings: Settings) -> Interpreter:
    """NLU_PROCESSES: the model in child processes (parsing beside the event loop, not under its lock)."""
    from nlu.process import ProcessInterpreter
    from nlu.train import pick_model

    model = pick_model(Path(settings.model_dir))
    if model is None:
        raise FileNotFoundError(f"no trained NLU model in {settings.model_dir}: run `make train`")
    return await asyncio.get_running_loop().run_in_executor(
        None, ProcessInterpreter.start, model, settings.nlu_processes, Path(settings.model_dir))


async def build_services(
    settings: Settings, *, clock: Clock | None = None, interpreter: Interpreter | None = None
) -> Services:
    clock = clock or clock_from(settings.assistant_now)
    database = Database(settings.database_url)
    try:
        await prepare_database(settings, database, clock)
    except BaseException:
        await database.dispose()  # aiosqlite's connection thread would keep a failed start-up from exiting
        raise
    events = EventService(database)
    snapshot = await events.snapshot()
    if interpreter is None and settings.nlu_processes and not settings.nlu_url:
        interpreter = await _process_interpreter(settings)
    if interpreter is None:
        interpreter = await load_interpreter(settings.nlu_url, settings.model_dir)
    answers = AnswerService(events, clock.now)
    return Services(
        settings=settings, clock=clock, database=database, events=events,
        delegates=DelegateService(database, ui_languages_of(snapshot.languages), snapshot.default_language),
        roles=RoleService(database, settings.organiser_ids), answers=answers,
        conversation=ConversationService(database, interpreter, answers, clock.now), interpreter=interpreter,
        ledger=UpdateLedger(database),
    )
