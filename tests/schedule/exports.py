"""The real exports in ../shared/data/schedules (read there, never copied into the project)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT

# ../shared beside the checkout (main, CI); a worktree under wt/ has it one level further up.
_CANDIDATES = [root / "shared" / "data" / "schedules" for root in (PROJECT_ROOT.parent, PROJECT_ROOT.parent.parent)]
SCHEDULES = next((c for c in _CANDIDATES if c.is_dir()), _CANDIDATES[0])
DEBCONF = SCHEDULES / "debconf23_wafer_pentabarf.xml"
RC3 = SCHEDULES / "pretalx_rc3_channels_2020_schedule.json"
LCA = SCHEDULES / "linux_conf_au_2020.ics"


def export(path: Path) -> bytes:
    if not path.is_file():
        pytest.skip(f"{path} is not here (the shared schedules folder)")
    return path.read_bytes()


MOVED, ROOM_CHANGED, CANCELLED = "15", "146", "22"  # rC3 talk ids the edited copy changes
NEW_TITLE = "Mesh networks after the flood"


def edited_rc3(original: bytes) -> bytes:
    """rC3's export as the organisers edit it: talk 15 thirty minutes later, talk 146 in another room,
    talk 22 gone, and a new talk."""
    import copy
    import json
    from datetime import datetime, timedelta

    doc = json.loads(original)
    days = doc["schedule"]["conference"]["days"]
    for day in days:
        for room, events in list(day["rooms"].items()):
            for event in list(events):
                if str(event["id"]) == MOVED:
                    start = datetime.fromisoformat(event["date"]) + timedelta(minutes=30)
                    event["date"], event["start"] = start.isoformat(), start.strftime("%H:%M")
                    new = copy.deepcopy(event)
                    new.update(id=9001, guid="9b1f2c3d-0000-4000-8000-000000009001", slug="NEWTLK", title=NEW_TITLE,
                               date=(start + timedelta(days=1)).isoformat(), language="en")
                    day["rooms"][room].append(new)
                elif str(event["id"]) == ROOM_CHANGED:
                    events.remove(event)
                    other = next(r for r in day["rooms"] if r != room)
                    event["room"] = other
                    day["rooms"][other].append(event)
                elif str(event["id"]) == CANCELLED:
                    events.remove(event)
    return json.dumps(doc).encode("utf-8")
