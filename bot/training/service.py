"""Retraining the NLU model from the console ("Retrain now"), without a shell.

One training at a time, across replicas (a unique slot in the database). It runs in the background of
the process where it was started, while the current model keeps answering:

1. export: the questions agents labelled become the training file `python -m bot export-training`
   writes (data/nlu/helpdesk.yml), but only in a copy of the training data for now;
2. train: `rasa train nlu` on that copy in a subprocess (progress from its epochs), into var/training/;
3. evaluate: the held-out accuracy (tests/nlu/test_nlu_*.yml, never trained on) of the model serving
   and of the new one, each in a subprocess;
4. decide: a new model that is not worse is installed at once (the export written to data/, the model
   moved into MODEL_DIR, the serving interpreter switched); a worse one, or one that could not be
   scored, waits for an organiser to load it anyway or to keep the current model (fail closed).

The run's row says where it stands, so every replica's console shows it; a run whose process died is
marked failed when the bot starts again on that host.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.db import Database, affected
from bot.training.models import EVALUATING, EXPORTING, FAILED, KEPT, LOADED, READY, RUNNING, TRAINING, TrainingRun
from nlu.train import Snapshot

log = logging.getLogger(__name__)
EXPORT_PATH = "data/nlu/helpdesk.yml"  # where `python -m bot export-training` writes, relative to the project

Progress = Callable[[int], Awaitable[None]]
Trainer = Callable[[Path, str, Progress], Awaitable[None]]  # (project copy, model name, progress) -> <copy>/<name>.tar.gz
Evaluator = Callable[[Path], Awaitable[float | None]]  # a model archive -> held-out intent accuracy (None: no held-out data)
Exporter = Callable[[Path], Awaitable[tuple[str, int]]]  # the export target -> (file content, examples)
LoadModel = Callable[[], Awaitable[bool]]  # switch the serving interpreter to the newest model in MODEL_DIR


@dataclass(frozen=True)
class TrainingView:
    id: int
    status: str
    stage: str | None
    progress: int
    started_by: str
    examples: int | None
    accuracy_before: float | None
    accuracy_after: float | None
    model_before: str | None
    model_after: str | None
    error: str | None
    started_at: datetime
    finished_at: datetime | None
    decided_by: str | None

    @property
    def running(self) -> bool:
        return self.status == RUNNING

    @property
    def waiting(self) -> bool:
        """Trained and scored worse (or unscored): an organiser decides."""
        return self.status == READY


def _view(row: TrainingRun) -> TrainingView:
    return TrainingView(row.id, row.status, row.stage, row.progress, row.started_by, row.examples, row.accuracy_before, row.accuracy_after,
                        row.model_before, row.model_after, row.error, row.started_at, row.finished_at, row.decided_by)


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def not_worse(before: float | None, after: float | None) -> bool:
    """Installed without asking only when both were scored and the new one is at least as good."""
    return before is not None and after is not None and after >= before


class TrainingService:
    def __init__(self, database: Database, now: Callable[[], datetime], *, project: Path, model_dir: Path, work_dir: Path,
                 current_model: Callable[[], Path | None], exporter: Exporter, trainer: Trainer, evaluator: Evaluator,
                 load_model: LoadModel) -> None:
        self.database = database
        self.now = now
        self.project = project
        self.model_dir = model_dir
        self.work_dir = work_dir
        self.current_model = current_model
        self.exporter = exporter
        self.trainer = trainer
        self.evaluator = evaluator
        self.load_model = load_model
        self.owner = this_process()

    # --- reading --------------------------------------------------------------------------------
    async def latest(self) -> TrainingView | None:
        async with self.database.session() as db:
            row = (await db.execute(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(1))).scalar_one_or_none()
            return _view(row) if row else None

    async def recent(self, limit: int = 10) -> list[TrainingView]:
        async with self.database.session() as db:
            rows = (await db.execute(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(limit))).scalars()
            return [_view(row) for row in rows]

    # --- starting ---------------------------------------------------------------------------------
    async def start(self, by: str) -> TrainingView | None:
        """Claims the one training slot for a new run; None while another runs (or waits for a decision)."""
        async with self.database.session() as db:
            waiting = (await db.execute(select(TrainingRun.id).where(TrainingRun.status == READY).limit(1))).scalar()
            if waiting is not None:
                return None
        try:
            async with self.database.session() as db:
                row = TrainingRun(slot=1, status=RUNNING, stage=EXPORTING, progress=0, started_by=by, owner=self.owner, started_at=self.now())
                db.add(row)
                await db.flush()
                view = _view(row)
        except IntegrityError:
            return None
        log.info("training %s started by %s", view.id, by)
        return view

    async def recover(self) -> int:
        """Runs this host's dead processes left running are marked failed (at start-up)."""
        host = self.owner.rsplit(":", 1)[0]
        async with self.database.session() as db:
            rows = (await db.execute(select(TrainingRun).where(TrainingRun.status == RUNNING))).scalars().all()
            dead = [r for r in rows if r.owner.rsplit(":", 1)[0] == host and not _alive(r.owner)]
            for row in dead:
                row.status, row.slot, row.error, row.finished_at = FAILED, None, "interrupted: the bot stopped during the training", self.now()
            return len(dead)

    # --- the run --------------------------------------------------------------------------------------
    async def run(self, run_id: int) -> TrainingView | None:
        """The whole training of a started run (the console starts it as a background task)."""
        work = self.work_dir / f"run-{run_id}"
        try:
            content, examples = await self.exporter(self.project / EXPORT_PATH)
            snapshot = _with_export(Snapshot.of(self.project), content)
            name = f"nlu-{snapshot.hash}"
            before = self.current_model()
            await self._update(run_id, examples=examples, export=content, model_before=before.name if before else None, model_after=name + ".tar.gz")
            if before is not None and before.name == f"{name}.tar.gz":
                return await self._finish(run_id, KEPT, error="nothing new to learn: the model serving was trained on these questions")
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            snapshot.write(work)
            await self._update(run_id, stage=TRAINING)
            await self.trainer(work, name, lambda percent: self._update(run_id, progress=max(0, min(percent, 100))))
            candidate = self.work_dir / f"{name}.tar.gz"
            (work / f"{name}.tar.gz").replace(candidate)
            await self._update(run_id, stage=EVALUATING, progress=100, candidate=str(candidate))
            accuracy_before = await self.evaluator(before) if before is not None else None
            accuracy_after = await self.evaluator(candidate)
            await self._update(run_id, accuracy_before=accuracy_before, accuracy_after=accuracy_after)
            if not_worse(accuracy_before, accuracy_after):
                return await self._install(run_id, by=None)
            return await self._finish(run_id, READY)
        except asyncio.CancelledError:  # the bot stops: the training goes with it
            await asyncio.shield(self._finish(run_id, FAILED, error="interrupted: the bot stopped during the training"))
            raise
        except Exception as error:  # a failed training changes nothing; the organiser reads why
            log.exception("training %s failed", run_id)
            return await self._finish(run_id, FAILED, error=f"{type(error).__name__}: {error}"[:2000])
        finally:
            shutil.rmtree(work, ignore_errors=True)

    async def decide(self, run_id: int, load: bool, by: str) -> TrainingView | None:
        """An organiser's answer for a run waiting for one: load the new model anyway, or keep the
        current one. None when the run is not waiting (decided meanwhile, or never was)."""
        async with self.database.session() as db:
            claimed = await db.execute(
                update(TrainingRun).where(TrainingRun.id == run_id, TrainingRun.status == READY)
                .values(status=RUNNING, decided_by=by, decided_at=self.now())
            )
            if not affected(claimed):
                return None
        if load:
            return await self._install(run_id, by=by)
        await self._discard_candidate(run_id)
        return await self._finish(run_id, KEPT)

    async def _install(self, run_id: int, by: str | None) -> TrainingView | None:
        """The export into data/, the model into MODEL_DIR (one rename), then the interpreter switches."""
        async with self.database.session() as db:
            row = await db.get(TrainingRun, run_id)
            assert row is not None and row.candidate and row.model_after
            candidate, name, export = Path(row.candidate), row.model_after, row.export or ""
        target = self.project / EXPORT_PATH
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(export, encoding="utf-8")
        self.model_dir.mkdir(parents=True, exist_ok=True)
        staged = self.model_dir / f".{name}.incoming"
        shutil.copyfile(candidate, staged)
        staged.replace(self.model_dir / name)
        candidate.unlink(missing_ok=True)
        switched = await self.load_model()
        log.info("training %s: model %s installed%s (%s)", run_id, name, "" if switched else ", not switched yet", by or "not worse")
        return await self._finish(run_id, LOADED)

    async def _discard_candidate(self, run_id: int) -> None:
        async with self.database.session() as db:
            row = await db.get(TrainingRun, run_id)
            if row is not None and row.candidate:
                Path(row.candidate).unlink(missing_ok=True)
                row.candidate = None

    async def _update(self, run_id: int, **values: object) -> None:
        async with self.database.session() as db:
            await db.execute(update(TrainingRun).where(TrainingRun.id == run_id).values(**values))

    async def _finish(self, run_id: int, status: str, error: str | None = None) -> TrainingView | None:
        """Ends the run in `status` and frees the slot (a READY run keeps others waiting until decided)."""
        async with self.database.session() as db:
            values: dict[str, object] = {"status": status, "slot": None, "finished_at": self.now(), "stage": None}
            if error is not None:
                values["error"] = error
            await db.execute(update(TrainingRun).where(TrainingRun.id == run_id).values(**values))
            row = await db.get(TrainingRun, run_id)
            return _view(row) if row else None


def _with_export(snapshot: Snapshot, content: str) -> Snapshot:
    """The training data with the export in place of (or added as) data/nlu/helpdesk.yml."""
    files = [(path, data) for path, data in snapshot.files if path != EXPORT_PATH]
    files.append((EXPORT_PATH, content.encode("utf-8")))
    config = [f for f in files if not f[0].startswith("data/")]
    data = sorted(f for f in files if f[0].startswith("data/"))
    return Snapshot(tuple(config + data))


def _alive(owner: str) -> bool:
    pid = owner.rsplit(":", 1)[-1]
    return pid.isdigit() and Path(f"/proc/{pid}").exists()
