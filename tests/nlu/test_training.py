"""Training is cached by a hash of the training data, safe with concurrent processes, and the
data itself is valid: generated from the event file, accepted by `rasa data validate`, and
disjoint from the held-out sets."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nlu.evaluate import faq_files, held_out_files, load_examples
from nlu.train import ROOT, Snapshot, data_hash, ensure_model, latest_model, model_code, training_files


class FakeTrainer:
    """Stands in for `rasa train`: writes an archive holding the staged NLU data, counts its calls."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.calls = 0
        self.seconds = seconds

    def __call__(self, project: Path, name: str) -> None:
        self.calls += 1
        time.sleep(self.seconds)
        staged = sorted((project / "data").rglob("*.yml"))
        (project / f"{name}.tar.gz").write_text("".join(p.read_text() for p in staged))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's training inputs plus its event file."""
    for path in [*training_files(), ROOT / "data" / "event.yml"]:
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return tmp_path


def test_the_same_data_is_trained_once(project: Path) -> None:
    trainer = FakeTrainer()
    first = ensure_model(project, trainer=trainer, quiet=True)
    second = ensure_model(project, trainer=trainer, quiet=True)
    assert first == second and first.is_file() and trainer.calls == 1
    assert first.name == f"nlu-{data_hash(project)}.tar.gz"


def test_editing_the_event_file_does_not_retrain(project: Path) -> None:
    trainer = FakeTrainer()
    before = ensure_model(project, trainer=trainer, quiet=True)
    (project / "data" / "event.yml").write_text("event: {id: another-conference}\n")
    assert ensure_model(project, trainer=trainer, quiet=True) == before and trainer.calls == 1


@pytest.mark.parametrize("edited", ["data/nlu/en.yml", "config.yml", "domain.yml"])
def test_editing_the_training_data_or_config_retrains(project: Path, edited: str) -> None:
    trainer = FakeTrainer()
    before = ensure_model(project, trainer=trainer, quiet=True)
    with open(project / edited, "a") as f:
        f.write("\n# edited\n")
    after = ensure_model(project, trainer=trainer, quiet=True)
    assert after != before and after.is_file() and before.is_file() and trainer.calls == 2


def test_a_new_nlu_file_retrains(project: Path) -> None:
    trainer = FakeTrainer()
    before = ensure_model(project, trainer=trainer, quiet=True)
    (project / "data" / "nlu" / "extra.yml").write_text('version: "3.1"\nnlu: []\n')
    assert ensure_model(project, trainer=trainer, quiet=True) != before and trainer.calls == 2


def test_the_model_holds_the_data_its_name_says_even_if_files_change_during_training(project: Path) -> None:
    original = Snapshot.of(project)

    def trainer_while_someone_edits(work: Path, name: str) -> None:
        (project / "data" / "nlu" / "en.yml").write_text('version: "3.1"\nnlu: []\n')  # edited meanwhile
        FakeTrainer()(work, name)

    model = ensure_model(project, trainer=trainer_while_someone_edits, quiet=True)
    assert model.name == f"nlu-{original.hash}.tar.gz"
    assert "intent: greet" in model.read_text()  # the snapshot's en.yml, not the edited one


def test_two_processes_asking_at_once_train_once(project: Path) -> None:
    trainer = FakeTrainer(seconds=0.5)
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(ensure_model(project, trainer=trainer, quiet=True))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert trainer.calls == 1 and results[0] == results[1]


def test_a_failed_training_leaves_no_model_and_no_work_files(project: Path) -> None:
    def failing(work: Path, name: str) -> None:
        (work / f"{name}.tar.gz").write_text("half written")
        raise subprocess.CalledProcessError(1, "rasa train")

    with pytest.raises(subprocess.CalledProcessError):
        ensure_model(project, trainer=failing, quiet=True)
    models = project / "models"
    assert latest_model(models) is None and not list(models.glob(".training-*"))


def test_latest_model_is_the_newest_complete_archive(tmp_path: Path) -> None:
    old, new = tmp_path / "nlu-aaaaaaaaaaaa.tar.gz", tmp_path / "nlu-bbbbbbbbbbbb.tar.gz"
    old.write_text("old")
    new.write_text("new")
    os.utime(old, (1, 1))
    (tmp_path / ".training-1" ).mkdir()
    (tmp_path / ".training-1" / "nlu-cccccccccccc.tar.gz").write_text("half written")
    (tmp_path / "nlu-20240101-123456.tar.gz").write_text("someone's manual rasa train")
    assert latest_model(tmp_path) == new
    assert latest_model(tmp_path / "missing") is None


def test_the_generated_lookup_file_is_up_to_date_with_the_event_file() -> None:
    result = subprocess.run([sys.executable, "-m", "nlu.generate", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_held_out_examples_never_appear_in_the_training_data() -> None:
    def norm(text: str) -> str:
        return " ".join(re.findall(r"\w+", text.lower()))

    training = {norm(ex.text) for path in training_files()[2:] for ex in load_examples(path, "any")}
    shared = [ex.text for path in [*held_out_files(), *faq_files()] for ex in load_examples(path) if norm(ex.text) in training]
    assert not shared


def test_editing_a_pipeline_component_retrains(project: Path) -> None:
    (project / "nlu").mkdir()
    (project / "nlu" / "classifier.py").write_text("# the classifier\n")
    trainer = FakeTrainer()
    before = ensure_model(project, trainer=trainer, quiet=True)
    (project / "nlu" / "classifier.py").write_text("# the classifier, changed\n")
    assert model_code(project) and ensure_model(project, trainer=trainer, quiet=True) != before and trainer.calls == 2


@pytest.mark.slow
def test_rasa_data_validate_accepts_the_project_from_its_root() -> None:
    """`rasa data validate` reads data/ as `rasa train nlu` does (event.yml is there and ignored):
    no error, and no warning but the one an NLU-only project always gets (intents in no story)."""
    rasa = Path(sys.executable).parent / "rasa"
    result = subprocess.run([str(rasa), "data", "validate"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    warnings = [line for line in output.splitlines() if "UserWarning" in line and "is not used in any story or rule" not in line]
    assert not warnings, "\n".join(warnings)
