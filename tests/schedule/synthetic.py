"""A synthetic conference of any size, shaped like FOSDEM (883 talks, 30 rooms, 62 tracks, 927
speakers, two days): for the search tests and bench/schedule.py. Deterministic for a given size."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

from bot.schedule.schema import Person, Schedule, Talk

FIRST = ["José", "Łukasz", "Anna", "Björn", "Chiara", "Dmitri", "Émilie", "Farah", "Gökhan", "Hana", "Ivan", "Jürgen",
         "Kavya", "Lucía", "Mohammed", "Noor", "Oğuz", "Paweł", "Quentin", "Renée", "Søren", "Tomás", "Ursula", "Vojtěch",
         "Wei", "Xavier", "Yusuf", "Zoë", "Siti", "Budi", "Ngozi", "Aarav"]
LAST = ["Müller", "Nowak", "García", "Søndergaard", "Rossi", "Ivanov", "Dubois", "Haddad", "Yılmaz", "Tanaka", "Petrović",
        "Schäfer", "Iyer", "Fernández", "Rahman", "Al-Amin", "Öztürk", "Kowalski", "Lefèvre", "Bélanger", "Andersen",
        "Silva", "Weiß", "Dvořák", "Zhang", "Moreau", "Demir", "Kovač", "Nurhaliza", "Santoso", "Okafor", "Sharma",
         "Virtanen", "Horváth", "Novák", "Jansen", "Costa", "Papadopoulos", "Eriksson", "Kim"]
TOPICS = ["eBPF", "Rust", "PostgreSQL", "Kubernetes", "WebAssembly", "RISC-V", "LibreOffice", "Matrix", "GStreamer",
          "OpenStreetMap", "Nix", "Guix", "Firefox", "Thunderbird", "KiCad", "Zephyr", "Yocto", "Debian", "Fedora", "Godot",
          "Blender", "Jitsi", "Nextcloud", "Mastodon", "Prometheus", "Grafana", "OpenTelemetry", "SQLite", "DuckDB", "Kafka",
          "Flutter", "Kotlin", "Haskell", "OCaml", "Erlang", "Elixir", "Julia", "Fortran", "LLVM", "GCC"]
ANGLES = ["Scaling", "Debugging", "Securing", "Testing", "Profiling", "Packaging", "Porting", "Teaching", "Observing",
          "Reproducing", "Accelerating", "Documenting", "Translating", "Embedding", "Federating"]
PLACES = ["in production", "on tiny devices", "for beginners", "at planet scale", "without tears", "in the browser",
          "for public services", "on the desktop"]
TRACKS = ["Databases", "Kernel", "Security", "Rust", "Go", "Python", "Containers", "Embedded", "Graphics", "Legal and Policy",
          "Open Hardware", "Open Media", "Monitoring", "Networking", "Testing and Automation", "Web Performance", "Mozilla",
          "Distributions", "Community", "Collaboration", "Education", "Energy", "Geospatial", "HPC", "JavaScript", "LLVM",
          "Microkernels", "Mobile", "Music", "Privacy", "Retrocomputing", "RISC-V", "Robotics", "Science", "SDR", "Software Composition",
          "Declarative", "Emulators", "Firmware", "Game Development", "Identity", "Kotlin", "Matrix", "Nix and NixOS",
          "Public Code", "Radio", "Translations", "Virtualization", "WebAssembly", "Design", "Accessibility", "Browsers",
          "Email", "FPGA", "Funding", "Healthcare", "Low-code", "Modern Email", "Open Research", "Packaging", "Perl", "Ruby"]
START = datetime(2025, 2, 1, 8, 0, tzinfo=timezone.utc)  # 09:00 in Brussels


def speaker_names(count: int) -> list[str]:
    names = [f"{first} {last}" for last in LAST for first in FIRST]
    random.Random(7).shuffle(names)
    if count > len(names):
        names += [f"{n} {i}" for i, n in enumerate(names * (count // len(names)))][: count - len(names)]
    return names[:count]


def titles(count: int) -> list[str]:
    found = [f"{angle} {topic} {place}" for topic in TOPICS for angle in ANGLES for place in PLACES]
    random.Random(11).shuffle(found)
    if count > len(found):
        found += [f"{t}, part {2 + i // len(found)}" for i, t in enumerate(found * (count // len(found)))][: count - len(found)]
    return found[:count]


def synthetic_schedule(talks: int) -> Schedule:
    """`talks` 25-minute talks over two days in parallel rooms (FOSDEM's proportions)."""
    rooms = max(1, round(talks / 30))
    tracks = TRACKS[: max(1, min(len(TRACKS), round(talks / 14)))]
    people = speaker_names(max(1, round(talks * 1.05)))
    names = titles(talks)
    rng = random.Random(talks)
    per_day = -(-talks // 2)
    slots_per_room = -(-per_day // rooms)
    made = []
    for i in range(talks):
        day, slot = divmod(i, per_day)
        room, slot_in_room = slot % rooms, slot // rooms
        start = START + timedelta(days=day, minutes=30 * (slot_in_room % max(1, slots_per_room)) % (18 * 60))
        speakers = [people[i % len(people)]] + ([people[(i + talks) % len(people)]] if i % 10 == 0 else [])
        topic = names[i].split(" ")[1]
        abstract = (f"How we went about {names[i].lower()}. {rng.choice(TOPICS)} and {topic} meet "
                    f"{rng.choice(ANGLES).lower()} practices; lessons learnt, numbers, and what we would do differently.")
        made.append(Talk(
            title=names[i], starts_at=start, ends_at=start + timedelta(minutes=25), where=f"talk {i}",
            guid=f"00000000-0000-4000-8000-{i:012d}", export_id=str(1000 + i), slug=f"talk-{i}", abstract=abstract,
            type="Talk", language="en", track=tracks[i % len(tracks)], room=f"Room {chr(65 + room % 26)}{room // 26 or ''}",
            persons=tuple(Person(key=f"code:P{people.index(n)}", name=n) for n in speakers),
        ))
    return Schedule(format="pretalx-json", title=f"Synthetic {talks}", acronym=f"synthetic-{talks}", timezone="Europe/Brussels", talks=tuple(made))


def as_pretalx_json(schedule: Schedule) -> bytes:
    """The schedule as pretalx writes schedule.json (to measure parsing too)."""
    days: dict[str, dict[str, list[dict[str, object]]]] = {}
    for t in schedule.talks:
        local = t.starts_at.astimezone(timezone(timedelta(hours=1)))
        days.setdefault(local.date().isoformat(), {}).setdefault(t.room or "", []).append({
            "id": int(t.export_id or 0), "guid": t.guid, "date": local.isoformat(), "start": local.strftime("%H:%M"),
            "duration": "00:25", "room": t.room, "slug": t.slug, "title": t.title, "subtitle": "", "track": t.track,
            "type": t.type, "language": t.language, "abstract": t.abstract, "description": "",
            "persons": [{"code": p.key.split(":", 1)[1], "public_name": p.name, "biography": ""} for p in t.persons], "links": [],
        })
    conference = {
        "acronym": schedule.acronym, "title": schedule.title, "time_zone_name": schedule.timezone,
        "days": [{"index": i + 1, "date": d, "rooms": rooms} for i, (d, rooms) in enumerate(sorted(days.items()))],
    }
    return json.dumps({"schedule": {"version": "1", "conference": conference}}).encode("utf-8")
