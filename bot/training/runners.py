"""The real trainer, evaluator and exporter behind TrainingService: Rasa and TensorFlow run in
subprocesses, so their memory goes away with them and the bot's event loop never waits on them."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

from bot.db import Database
from bot.helpdesk.export import domain_intents, known_examples, other_training_files, render_training
from bot.helpdesk.service import labelled_examples
from bot.settings import PROJECT_ROOT
from bot.training.service import Progress

EPOCHS = re.compile(r"Epochs:\s+(\d{1,3})%")


class TrainingFailed(RuntimeError):
    """A subprocess failed; the message ends with what it printed last."""


def _env() -> dict[str, str]:
    python_path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": python_path}


async def rasa_trainer(project: Path, name: str, progress: Progress) -> None:
    """`rasa train nlu` on a project copy (the same command as nlu.train.rasa_train), reporting the
    share of epochs done as Rasa's progress bar prints it."""
    rasa = Path(sys.executable).parent / "rasa"
    process = await asyncio.create_subprocess_exec(
        str(rasa), "train", "nlu", "--config", str(project / "config.yml"), "--domain", str(project / "domain.yml"),
        "--nlu", str(project / "data"), "--out", str(project), "--fixed-model-name", name,
        cwd=str(PROJECT_ROOT), env=_env(), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    tail, shown = "", -1
    try:
        while chunk := await process.stderr.read(4096):
            tail = (tail + chunk.decode("utf-8", "replace"))[-4000:]
            found = EPOCHS.findall(tail)
            if found and int(found[-1]) != shown:
                shown = int(found[-1])
                await progress(shown)
        if await process.wait() != 0:
            raise TrainingFailed(f"rasa train nlu exited with {process.returncode}: {tail[-600:]}")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def heldout_evaluator(model: Path) -> float | None:
    """The model's intent accuracy on the held-out files, from `python -m bot.training.heldout`."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.training.heldout", str(model), cwd=str(PROJECT_ROOT), env=_env(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if process.returncode != 0:
        raise TrainingFailed(f"evaluating {model.name} failed: {err.decode('utf-8', 'replace')[-600:]}")
    accuracy = json.loads(out.decode("utf-8").strip().splitlines()[-1]).get("accuracy")
    return float(accuracy) if accuracy is not None else None


def helpdesk_exporter(database: Database):  # type: ignore[no-untyped-def]
    """What `python -m bot export-training` writes: the labelled questions as a Rasa NLU file."""

    async def export(target: Path) -> tuple[str, int]:
        labelled = await labelled_examples(database)
        exported = await asyncio.to_thread(
            lambda: render_training(labelled, domain_intents(), known_examples(other_training_files(target)))
        )
        return exported.content, exported.count

    return export
