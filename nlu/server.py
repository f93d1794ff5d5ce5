"""A local `rasa run --enable-api` server, for the HTTP interpreter's tests and the benchmark.

In production the Rasa servers behind NLU_URL are started by `make nlu-server` or a process manager;
this module only starts one on the loopback interface and stops it again.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from nlu.train import ROOT


def free_port() -> int:
    """A TCP port nobody listens on right now (on 127.0.0.1), below Linux's ephemeral range
    (32768-60999): a port the kernel hands out for outgoing connections can be taken by one
    between this check and the server's bind."""
    for port in random.sample(range(20000, 32768), 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # that whole range busy: any port the system picks
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RasaServer:
    """A running `rasa run --enable-api` process serving one model on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    port: int
    log: IO[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_until_ready(self, timeout: float = 180.0) -> float:
        """Seconds until /status reports a loaded model; RuntimeError if the process dies or times out."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"rasa server exited with {self.process.returncode}:\n{self.output()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/status", timeout=1.0).json().get("model_file"):
                    return time.monotonic() - started
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"rasa server not ready after {timeout:.0f} s:\n{self.output()[-3000:]}")

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers; the process group goes too (Sanic workers)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


def start_rasa_server(model: Path, port: int | None = None) -> RasaServer:
    """Starts the server in its own process group (so that stopping it stops all of it)."""
    port = port or free_port()
    rasa = Path(sys.executable).parent / "rasa"
    cmd = [str(rasa), "run", "--enable-api", "--model", str(model), "--interface", "127.0.0.1", "--port", str(port)]
    python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": python_path}
    log = tempfile.NamedTemporaryFile(prefix="rasa-server-", suffix=".log", delete=False)  # noqa: SIM115 (closed by the caller)
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return RasaServer(process=process, port=port, log=log)


@contextmanager
def running_rasa_server(model: Path, timeout: float = 180.0) -> Iterator[RasaServer]:
    """A ready server for the duration of the block, stopped afterwards whatever happens."""
    server = start_rasa_server(model)
    try:
        server.wait_until_ready(timeout)
        yield server
    finally:
        server.stop()
        server.log.close()
        Path(server.log.name).unlink(missing_ok=True)
