"""Retraining from the console, on the real database and a real project directory: one training at a
time; progress recorded; a new model that is not worse is installed (the export into data/, the model
into MODEL_DIR, the interpreter switched); a worse one waits for an organiser; a failure changes
nothing. Rasa's training and the held-out evaluation are the two subprocesses stood in for here (they
take minutes); bot/training/runners.py runs the real ones."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.training.models import FAILED, KEPT, LOADED, READY, RUNNING
from bot.training.service import EXPORT_PATH, TrainingService

CONFIG = "language: en\npipeline: []\n"
EXPORT = "version: '3.1'\nnlu:\n- intent: ask_wifi\n  examples: |\n    - is there internet here\n"


@dataclass
class Lab:
    """A project, a models directory and what the stand-ins were asked."""

    root: Path
    accuracy: dict[str, float | None] = field(default_factory=dict)  # model file name -> accuracy
    progress_seen: list[int] = field(default_factory=list)
    loads: int = 0
    gate: asyncio.Event | None = None  # the training waits for it when set
    fail: bool = False

    @property
    def models(self) -> Path:
        return self.root / "models"

    async def exporter(self, target: Path) -> tuple[str, int]:
        return EXPORT, 1

    async def trainer(self, project: Path, name: str, progress) -> None:  # type: ignore[no-untyped-def]
        assert (project / EXPORT_PATH).read_text() == EXPORT  # trained on the export, not on data/ as it is
        for percent in (10, 60, 100):
            self.progress_seen.append(percent)
            await progress(percent)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("rasa train nlu exited with 1")
        (project / f"{name}.tar.gz").write_bytes(b"a trained model")

    async def evaluator(self, model: Path) -> float | None:
        return self.accuracy.get("current" if model.name == "nlu-current.tar.gz" else "new")

    async def load_model(self) -> bool:
        self.loads += 1
        return True


@pytest.fixture
def lab(tmp_path: Path) -> Lab:
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "config.yml").write_text(CONFIG)
    (tmp_path / "domain.yml").write_text("intents: [ask_wifi]\n")
    (tmp_path / "data" / "nlu.yml").write_text("nlu: []\n")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "nlu-current.tar.gz").write_bytes(b"the model serving")
    return Lab(tmp_path)


def service(database: Database, clock: ManualClock, lab: Lab) -> TrainingService:
    return TrainingService(
        database, clock.now, project=lab.root, model_dir=lab.models, work_dir=lab.root / "var" / "training",
        current_model=lambda: lab.models / "nlu-current.tar.gz", exporter=lab.exporter, trainer=lab.trainer,
        evaluator=lab.evaluator, load_model=lab.load_model,
    )


async def test_a_model_that_is_not_worse_is_installed_and_answers(database: Database, clock: ManualClock, lab: Lab) -> None:
    lab.accuracy = {"current": 0.90, "new": 0.91}
    training = service(database, clock, lab)

    started = await training.start("olga")
    assert started is not None
    done = await training.run(started.id)

    assert done is not None and done.status == LOADED and (done.accuracy_before, done.accuracy_after) == (0.90, 0.91)
    assert (lab.root / EXPORT_PATH).read_text() == EXPORT and (lab.models / str(done.model_after)).read_bytes() == b"a trained model"
    assert lab.loads == 1 and lab.progress_seen == [10, 60, 100] and done.examples == 1


async def test_a_worse_model_waits_for_an_organiser_who_may_keep_the_current_one(database: Database, clock: ManualClock, lab: Lab) -> None:
    lab.accuracy = {"current": 0.90, "new": 0.85}
    training = service(database, clock, lab)
    started = await training.start("olga")
    assert started is not None

    waiting = await training.run(started.id)
    second = await training.start("budi")
    kept = await training.decide(started.id, load=False, by="olga")
    again = await training.decide(started.id, load=True, by="budi")

    assert waiting is not None and waiting.status == READY and second is None
    assert kept is not None and kept.status == KEPT and kept.decided_by == "olga" and again is None
    assert not (lab.root / EXPORT_PATH).exists() and lab.loads == 0
    assert sorted(p.name for p in lab.models.iterdir()) == ["nlu-current.tar.gz"]


async def test_an_organiser_may_load_a_model_that_could_not_be_measured(database: Database, clock: ManualClock, lab: Lab) -> None:
    lab.accuracy = {"current": None, "new": None}  # no held-out questions in this deployment
    training = service(database, clock, lab)
    started = await training.start("olga")
    assert started is not None

    waiting = await training.run(started.id)
    loaded = await training.decide(started.id, load=True, by="olga")

    assert waiting is not None and waiting.status == READY
    assert loaded is not None and loaded.status == LOADED and lab.loads == 1


async def test_one_training_at_a_time_with_its_progress_shown_meanwhile(database: Database, clock: ManualClock, lab: Lab) -> None:
    lab.accuracy = {"current": 0.9, "new": 0.9}
    lab.gate = asyncio.Event()
    training, replica = service(database, clock, lab), service(database, clock, lab)
    started = await training.start("olga")
    assert started is not None
    run = asyncio.create_task(training.run(started.id))
    while lab.progress_seen != [10, 60, 100]:
        await asyncio.sleep(0.01)

    meanwhile = await replica.latest()
    refused = await replica.start("budi")
    lab.gate.set()
    done = await run

    assert meanwhile is not None and meanwhile.status == RUNNING and meanwhile.progress == 100 and refused is None
    assert done is not None and done.status == LOADED
    assert await replica.start("budi") is not None  # the slot is free again


async def test_a_failed_training_changes_nothing_and_says_why(database: Database, clock: ManualClock, lab: Lab) -> None:
    lab.fail = True
    training = service(database, clock, lab)
    started = await training.start("olga")
    assert started is not None

    failed = await training.run(started.id)

    assert failed is not None and failed.status == FAILED and "exited with 1" in (failed.error or "")
    assert not (lab.root / EXPORT_PATH).exists() and lab.loads == 0
    assert await training.start("olga") is not None


async def test_a_training_left_running_by_a_dead_process_is_marked_failed(database: Database, clock: ManualClock, lab: Lab) -> None:
    training = service(database, clock, lab)
    started = await training.start("olga")
    assert started is not None
    training.owner = training.owner.rsplit(":", 1)[0] + ":999999999"  # as if another process, now gone, had started it
    from sqlalchemy import update

    from bot.training.models import TrainingRun

    async with database.session() as db:
        await db.execute(update(TrainingRun).values(owner=training.owner))

    assert await service(database, clock, lab).recover() == 1
    latest = await training.latest()
    assert latest is not None and latest.status == FAILED and "interrupted" in (latest.error or "")
