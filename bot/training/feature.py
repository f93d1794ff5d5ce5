"""Training without a shell: the console's "Retrain now" (organisers), run in the background one at a
time while the current model answers, loaded when it is not worse or when an organiser confirms."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from telegram.ext import Application

from bot.feature import BackgroundTask, Feature
from bot.runtime import Services
from bot.settings import PROJECT_ROOT
from bot.training.service import TrainingService

if TYPE_CHECKING:
    from bot.helpdesk.web.app import ConsolePage

log = logging.getLogger(__name__)


class Training(Feature):
    name = "training"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self._runs: set[asyncio.Task[object]] = set()
        self.service = self._service(services)

    @staticmethod
    def _service(services: Services) -> TrainingService | None:
        """None when the model is not in this process (a Rasa server behind NLU_URL)."""
        interpreter = services.interpreter
        reload = getattr(interpreter, "reload_if_changed", None)
        if reload is None:
            return None
        from bot.training.runners import heldout_evaluator, helpdesk_exporter, rasa_trainer

        settings = services.settings

        async def load_model() -> bool:
            return bool(await reload(settings.model_dir))

        return TrainingService(
            services.database, services.clock.now, project=PROJECT_ROOT, model_dir=settings.model_dir,
            work_dir=PROJECT_ROOT / "var" / "training", current_model=lambda: getattr(interpreter, "model_path", None),
            exporter=helpdesk_exporter(services.database), trainer=rasa_trainer, evaluator=heldout_evaluator, load_model=load_model,
        )

    def launch(self, run_id: int) -> None:
        """Runs a started training in the background of this process."""
        assert self.service is not None
        task = asyncio.get_running_loop().create_task(self.service.run(run_id), name=f"training-{run_id}")
        self._runs.add(task)
        task.add_done_callback(self._runs.discard)

    def console_pages(self) -> Sequence[ConsolePage]:
        from bot.training.web import training_pages

        return training_pages(self.service, self.launch)

    def background(self) -> Sequence[BackgroundTask]:
        return (self.keep_trainings,)

    async def keep_trainings(self, app: Application) -> None:  # type: ignore[type-arg]
        """Marks trainings a dead process left running as failed; stops this process's on shutdown."""
        if self.service is not None and (interrupted := await self.service.recover()):
            log.warning("%d training(s) were interrupted by a restart", interrupted)
        try:
            await asyncio.Event().wait()
        finally:
            for task in list(self._runs):
                task.cancel()
