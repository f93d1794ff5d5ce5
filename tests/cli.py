"""`python -m bot ARGS` for tests, in this process: bot.__main__.main(argv) with the given environment,
its output captured. A new Python process costs 2-4 s (imports); the command itself milliseconds.

`bot_cli` answers like subprocess.run(..., capture_output=True, text=True), so a test reads the same
either way; `bot_process` is the real thing, kept for a few smoke tests of the entry point itself.
The command runs in a thread of its own: commands call asyncio.run, which cannot run inside the
event loop of an async test, and the environment and sys.stdout/sys.stderr are swapped only while it runs.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor

from bot.__main__ import main
from bot.settings import PROJECT_ROOT

_one_at_a_time = threading.Lock()  # os.environ and sys.stdout are the process's


@contextlib.contextmanager
def _environment(env: Mapping[str, str], unset: tuple[str, ...]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(env)
    for name in unset:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _root_logging_kept() -> Iterator[None]:
    """Commands configure logging (force=True); the test run's own handlers and level come back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)


def _call(argv: list[str], env: Mapping[str, str], unset: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    out, err = io.StringIO(), io.StringIO()
    with _one_at_a_time, _environment(env, unset), _root_logging_kept(), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse's usage errors and --help
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
            if isinstance(exit_.code, str):
                print(exit_.code, file=sys.stderr)
    return subprocess.CompletedProcess(["python", "-m", "bot", *argv], code, out.getvalue(), err.getvalue())


def bot_cli(*argv: str, env: Mapping[str, str] | None = None, unset: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGV` in this process, with `env` over the environment and `unset` removed."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_call, list(argv), dict(env or {}), unset).result(timeout=120)


def bot_process(*argv: str, env: Mapping[str, str] | None = None, unset: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGV` as a real process from the project root (the entry point's smoke tests)."""
    environment = {**os.environ, **(env or {})}
    for name in unset:
        environment.pop(name, None)
    return subprocess.run([sys.executable, "-m", "bot", *argv], cwd=PROJECT_ROOT, env=environment,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
