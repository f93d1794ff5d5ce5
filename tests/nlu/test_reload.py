"""A newer model file is picked up without a restart, and the old model answers until it is."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from nlu.interpreter import RasaInterpreter, load_interpreter
from nlu.train import latest_model

pytestmark = pytest.mark.slow


@pytest.fixture
def models_dir(tmp_path: Path, nlu_model: Path) -> Path:
    shutil.copyfile(nlu_model, tmp_path / nlu_model.name)
    return tmp_path


async def test_reload_swaps_in_a_newer_model_while_the_old_one_keeps_answering(models_dir: Path) -> None:
    interpreter = await load_interpreter(None, models_dir)
    assert isinstance(interpreter, RasaInterpreter)
    try:
        assert not await interpreter.reload_if_changed()  # nothing newer yet
        newer = models_dir / "nlu-0123456789ab.tar.gz"
        shutil.copyfile(interpreter.model_path, newer)
        os.utime(newer, (2**31, 2**31))
        assert latest_model(models_dir) == newer

        reload = asyncio.create_task(interpreter.reload_if_changed())
        answers = []
        while not reload.done():  # parses keep being answered during the reload
            answers.append((await interpreter.parse("where is the venue?")).intent)
        assert await reload
        assert interpreter.model_path == newer
        assert answers and set(answers) == {"ask_venue"}
        assert (await interpreter.parse("what's the wifi password?")).intent == "ask_wifi"
    finally:
        await interpreter.close()


async def test_a_broken_new_model_is_ignored_and_the_old_one_keeps_serving(models_dir: Path) -> None:
    interpreter = await load_interpreter(None, models_dir)
    try:
        broken = models_dir / "nlu-ffffffffffff.tar.gz"
        broken.write_bytes(b"not a model")
        os.utime(broken, (2**31, 2**31))
        assert not await interpreter.reload_if_changed()
        assert (await interpreter.parse("where is the venue?")).intent == "ask_venue"
    finally:
        await interpreter.close()


async def test_no_model_at_all_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make train"):
        await load_interpreter(None, tmp_path)
