"""The real exports in ../shared/data/schedules (read there, never copied into the project)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT

SCHEDULES = Path("/work/shared/data/schedules")
for candidate in (PROJECT_ROOT.parent / "shared" / "data" / "schedules", PROJECT_ROOT.parent.parent / "shared" / "data" / "schedules"):
    if candidate.is_dir():
        SCHEDULES = candidate
        break
DEBCONF = SCHEDULES / "debconf23_wafer_pentabarf.xml"
RC3 = SCHEDULES / "pretalx_rc3_channels_2020_schedule.json"
LCA = SCHEDULES / "linux_conf_au_2020.ics"


def export(path: Path) -> bytes:
    if not path.is_file():
        pytest.skip(f"{path} is not here (the shared schedules folder)")
    return path.read_bytes()
