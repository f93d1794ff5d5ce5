"""`python -m bot import-event`: exit 0 and one line on success, exit 2 and every problem otherwise."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.cli import bot_cli, bot_process
from tests.conftest import POSTGRES_URL
from tests.event.minimal import MINIMAL_EVENT


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return bot_cli(*args, env=env)


def test_help_lists_the_subcommands() -> None:
    """A smoke test of the entry point as a real process (the other commands run in process)."""
    out = bot_process("--help").stdout
    for command in ("run", "import-event", "roles"):
        assert command in out


def test_import_of_a_good_file_prints_one_summary_line(tmp_path: Path) -> None:
    event = tmp_path / "event.yml"
    event.write_text(MINIMAL_EVENT)
    result = bot_process("import-event", str(event), env={"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"})  # a real process
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported demo: 2 sessions (2 new, 0 updated, 0 unchanged, 0 cancelled)"


def test_import_of_a_bad_file_exits_2_with_every_problem(tmp_path: Path) -> None:
    event = tmp_path / "event.yml"
    event.write_text(MINIMAL_EVENT.replace("end: 2019-09-10 11:00", "end: 2019-09-10 09:30").replace("room: hall\n    speakers: [ana]", "room: attic\n    speakers: [ana]"))
    db = tmp_path / "a.db"
    result = cli("import-event", str(event), env={"DATABASE_URL": f"sqlite:///{db}"})
    assert result.returncode == 2
    assert "sessions[1].end: ends before it starts (line" in result.stderr
    assert "sessions[0].room: unknown room 'attic'" in result.stderr
    assert "nothing was changed" in result.stderr
    assert not db.exists()


def test_bad_setting_stops_with_the_variable_named(tmp_path: Path) -> None:
    event = tmp_path / "event.yml"
    event.write_text(MINIMAL_EVENT)
    result = cli("import-event", str(event), env={"DATABASE_URL": "mysql://nope"})
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr


def test_roles_can_be_granted_listed_and_removed(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", "ORGANISER_IDS": "42"}
    assert cli("roles", "add", "organiser", "7", env=env).returncode == 0
    listed = cli("roles", "list", env=env).stdout
    assert "7\torganiser\tcli" in listed and "42\torganiser\tORGANISER_IDS" in listed
    assert "no longer" in cli("roles", "remove", "organiser", "7", env=env).stdout


def test_a_refused_file_leaves_the_loaded_event_as_it_was(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"}
    event = tmp_path / "event.yml"
    event.write_text(MINIMAL_EVENT)
    assert cli("import-event", str(event), env=env).returncode == 0
    event.write_text(MINIMAL_EVENT.replace("title: Talk", "title: Renamed").replace("kind: ceremony", "kind: party"))
    assert cli("import-event", str(event), env=env).returncode == 2
    event.write_text(MINIMAL_EVENT)
    again = cli("import-event", str(event), env=env)
    assert again.stdout.strip() == "imported demo: 2 sessions (0 new, 0 updated, 2 unchanged, 0 cancelled); the file is the same as last time"


def test_check_validates_without_touching_the_database(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    event = tmp_path / "event.yml"
    event.write_text(MINIMAL_EVENT)
    result = cli("import-event", str(event), "--check", env={"DATABASE_URL": f"sqlite:///{db}"})
    assert result.returncode == 0
    assert result.stdout.endswith("valid, demo (2 sessions, 1 speaker, 1 FAQ entry, 0 places); nothing was imported (--check)\n")
    assert not db.exists()


def unused_port() -> int:
    """A loopback port nothing listens on: a connection to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assert_stopped_with(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["import-event", "EVENT"], ["roles", "list"], ["run", "--no-console"]])
def test_a_database_server_that_refuses_connections_stops_every_command_with_one_line(command: list[str], tmp_path: Path) -> None:
    event = tmp_path / "event.yml"
    event.write_text(MINIMAL_EVENT)
    port = unused_port()
    args = [str(event) if a == "EVENT" else a for a in command]
    result = cli(*args, env={"DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/assistant", "EVENT_FILE": str(event)})
    assert_stopped_with(result, f"DATABASE_URL: cannot connect to the database (connection refused at 127.0.0.1:{port})")


def test_a_sqlite_path_that_cannot_be_created_names_database_url() -> None:
    result = cli("roles", "list", env={"DATABASE_URL": "sqlite:////dev/null/assistant.db"})
    assert_stopped_with(result, "DATABASE_URL: cannot connect to the database (cannot create the directory /dev/null")


def test_a_database_url_without_a_scheme_names_the_variable() -> None:
    assert_stopped_with(cli("roles", "list", env={"DATABASE_URL": "sqlite"}), "DATABASE_URL: 'sqlite' is not a SQLite or PostgreSQL URL")


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="TEST_DATABASE_URL is not set")
@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"database": "no_such_database_for_tests"}, 'database "no_such_database_for_tests" does not exist'),
        ({"username": "no_such_role_for_tests", "password": "wrong"}, '"no_such_role_for_tests"'),
    ],
)
def test_a_missing_database_or_refused_credentials_name_database_url(change: dict[str, str], reason: str) -> None:
    url = make_url(str(POSTGRES_URL)).set(**change).render_as_string(hide_password=False)
    result = cli("roles", "list", env={"DATABASE_URL": url})
    assert_stopped_with(result, "DATABASE_URL: cannot connect to the database (")
    assert reason in result.stderr


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="TEST_DATABASE_URL is not set")
def test_a_managed_postgresql_url_with_sslmode_works() -> None:
    url = make_url(str(POSTGRES_URL)).update_query_dict({"sslmode": "disable"}).render_as_string(hide_password=False)
    result = cli("roles", "list", env={"DATABASE_URL": url, "ORGANISER_IDS": "42"})
    assert result.returncode == 0, result.stderr
    assert "42\torganiser\tORGANISER_IDS" in result.stdout
