"""`python -m nlu.train [--force] [--print-path]`: trains the NLU model only when its inputs changed.

A model is named after a SHA-256 of config.yml, domain.yml, the NLU training files (data/nlu.yml,
data/nlu/**/*.yml; never data/event.yml, which the bot reads at run time) and the source of the
project's own pipeline components (MODEL_CODE), so the same data never trains twice (CI, `make
run`, the tests) and any change to it, or to how it is learnt, always does.

Safe with several processes at once (two test sessions, `make run` beside `make test`, someone
editing the data meanwhile): the files are read once into a snapshot, which is both hashed and
trained on, so a model always holds what its name says; one lock per model makes a second process
wait for the first and then find its model; Rasa writes into a private directory and the finished
archive is renamed into models/ in one step, so a half-written model is never seen.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
MODEL_NAME = re.compile(r"nlu-[0-9a-f]{12}\.tar\.gz")
"""Only archives named like this (written by this module, atomically) are ever loaded."""


def training_files(root: Path = ROOT) -> list[Path]:
    """config.yml, domain.yml, then the NLU data files in a stable order."""
    data = root / "data"
    nlu = [data / "nlu.yml"] if (data / "nlu.yml").is_file() else []
    if (data / "nlu").is_dir():
        nlu += sorted(p for p in (data / "nlu").rglob("*.yml") if p.is_file())
    return [root / "config.yml", root / "domain.yml", *nlu]


MODEL_CODE = ("nlu/classifier.py", "nlu/domain.py", "nlu/retrieval.py", "nlu/features.py", "nlu/text.py",
              "nlu/types.py", "nlu/components.py", "nlu/entities.py")
"""The modules the pipeline's own components are made of: editing one trains a new model."""


def model_code(root: Path = ROOT) -> list[Path]:
    return [root / name for name in MODEL_CODE if (root / name).is_file()]


@dataclass(frozen=True)
class Snapshot:
    """The training files' contents at one moment, by path relative to the project root."""

    files: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, root: Path = ROOT) -> Snapshot:
        files = [*training_files(root), *model_code(root)]
        return cls(tuple((p.relative_to(root).as_posix(), p.read_bytes()) for p in files))

    @property
    def hash(self) -> str:
        """The first 12 hex digits of a SHA-256 over the files' paths and contents."""
        digest = hashlib.sha256()
        for path, content in self.files:
            digest.update(path.encode() + b"\0")
            digest.update(content + b"\0")
        return digest.hexdigest()[:12]

    def write(self, into: Path) -> None:
        for path, content in self.files:
            (into / path).parent.mkdir(parents=True, exist_ok=True)
            (into / path).write_bytes(content)


Trainer = Callable[[Path, str], None]
"""(a directory holding a snapshot of the project, model name) -> writes <dir>/<name>.tar.gz."""


def data_hash(root: Path = ROOT) -> str:
    return Snapshot.of(root).hash


def model_for_current_data(root: Path = ROOT, models_dir: Path | None = None) -> Path:
    """Where the model for the current training data is (or will be, once trained)."""
    return (models_dir or root / "models") / f"nlu-{data_hash(root)}.tar.gz"


def latest_model(models_dir: Path = MODELS) -> Path | None:
    """The most recently trained complete model in `models_dir`, or None."""
    if not models_dir.is_dir():
        return None
    found = [p for p in models_dir.iterdir() if MODEL_NAME.fullmatch(p.name) and p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def pick_model(models_dir: Path = MODELS, root: Path = ROOT) -> Path | None:
    """The model for the current training data when `models_dir` has it, else the latest one
    (a deployment may ship models without the training data)."""
    current = model_for_current_data(root, models_dir) if (root / "config.yml").is_file() else None
    if current is not None and current.is_file():
        return current
    return latest_model(models_dir)


def rasa_train(project: Path, name: str) -> None:
    """Runs this virtualenv's `rasa train nlu` on a project snapshot, as a subprocess (TensorFlow
    and the training's memory go away with it)."""
    rasa = Path(sys.executable).parent / "rasa"
    cmd = [
        str(rasa), "train", "nlu", "--config", str(project / "config.yml"), "--domain", str(project / "domain.yml"),
        "--nlu", str(project / "data"), "--out", str(project), "--fixed-model-name", name,
    ]
    # The repository root on the import path: config.yml may name components of the nlu package.
    python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": python_path}
    # Rasa's chatter goes to stderr: stdout stays clean for `--print-path`.
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=2)


def ensure_model(
    root: Path = ROOT, models: Path | None = None, force: bool = False, quiet: bool = False, trainer: Trainer = rasa_train
) -> Path:
    """The model for the current training data, trained first if it does not exist (or `force`)."""
    models = models or root / "models"
    models.mkdir(parents=True, exist_ok=True)
    snapshot = Snapshot.of(root)
    target = models / f"nlu-{snapshot.hash}.tar.gz"
    # One lock per model: a second process wanting the same model waits for it and then finds it;
    # a process wanting a model for other data never waits behind an obsolete training.
    with open(models / f".{target.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if this process dies
        if target.is_file() and not force:
            if not quiet:
                print(f"model up to date: {_shown(target, root)}")
            return target
        _train(snapshot, models, target, trainer, quiet)
    return target


def _train(snapshot: Snapshot, models: Path, target: Path, trainer: Trainer, quiet: bool) -> None:
    name = target.name.removesuffix(".tar.gz")
    _remove_abandoned_work(models)
    work = models / f".training-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    snapshot.write(work)
    if not quiet:
        print(f"training {name} ...", flush=True)
    started = time.monotonic()
    try:
        trainer(work, name)
        (work / target.name).replace(target)  # one rename: complete or absent
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not quiet:
        print(f"trained {target.name} in {time.monotonic() - started:.0f} s")


def _remove_abandoned_work(models: Path) -> None:
    """Deletes the work directories of trainings whose process is gone (killed mid-training)."""
    for work in models.glob(".training-*"):
        pid = work.name.removeprefix(".training-")
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(work, ignore_errors=True)


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", action="store_true", help="train even if the model is up to date")
    parser.add_argument("--print-path", action="store_true", help="print only the model's path (training first if needed)")
    args = parser.parse_args(argv)
    path = ensure_model(force=args.force, quiet=args.print_path)
    if args.print_path:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
