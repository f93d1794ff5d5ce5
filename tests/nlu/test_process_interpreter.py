"""NLU_PROCESSES: the model in a child process understands what the model in process understands,
and the child never outlives the bot (closed with it, or gone when the bot is killed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from nlu.process import ProcessInterpreter
from nlu.testing import session_interpreter, session_model

QUESTIONS = ["what's the wifi password?", "makan siang di mana?", "when does Retno Marsudi speak?"]
ORPHAN_SCRIPT = """
import sys, time
from pathlib import Path
from nlu.process import ProcessInterpreter
if __name__ == "__main__":
    interpreter = ProcessInterpreter.start(Path(sys.argv[1]), 1)
    print(interpreter._children[0].process.pid, flush=True)
    time.sleep(600)
"""


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it is not)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in status)
    except FileNotFoundError:
        return False


async def test_the_child_parses_as_the_model_in_process_and_stops_with_close() -> None:
    interpreter = ProcessInterpreter.start(session_model(), 1)
    child = interpreter._children[0].process
    try:
        for question in QUESTIONS:
            here, there = await session_interpreter().parse(question), await interpreter.parse(question)
            assert (there.intent, there.entities) == (here.intent, here.entities)
        assert await interpreter.ready()
    finally:
        await interpreter.close()
    assert not child.is_alive()


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_the_child_exits_when_the_bot_is_killed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    script = tmp_path / "parent.py"
    script.write_text(ORPHAN_SCRIPT)
    parent = subprocess.Popen([sys.executable, str(script), str(session_model())], stdout=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 30
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(child)
