"""A programme of FOSDEM's size, generated: 883 talks over two days in 35 rooms, 700 speakers with
biographies, some talks `public: false` and one cancelled. For the Mini App's tests and its benchmark
(bench/miniapp.py): what must stay fast and correct at that size."""

from __future__ import annotations

from tests.event.minimal import MINIMAL_EVENT

TALKS = 883
ROOMS = 35
SPEAKERS = 700
DAYS = (("sat", "2019-09-10", "Saturday"), ("sun", "2019-09-11", "Sunday"))
SUBJECTS = ("Rust", "Python", "PostgreSQL", "Kernel", "Networking", "Security", "Containers", "Embedded", "Go", "Legal")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fosdem_like(talks: int = TALKS) -> str:
    """The event file (YAML): MINIMAL_EVENT's header, then the rooms, days, speakers and talks."""
    head = MINIMAL_EVENT[: MINIMAL_EVENT.index("rooms:")]
    rooms = "rooms:\n" + "".join(f"  - id: r{i}\n    name: {{en: Room K.{i}, id: Ruang K.{i}}}\n" for i in range(ROOMS))
    days = "days:\n" + "".join(f"  - id: {d}\n    date: {date}\n    label: {{en: {label}}}\n" for d, date, label in DAYS)
    speakers = "speakers:\n" + "".join(
        f"  - id: p{i}\n    name: Speaker {i} Example\n    organisation: {{en: Project {i % 97}}}\n"
        f"    bio: {{en: {_quoted(f'Speaker {i} maintains Project {i % 97} and likes {SUBJECTS[i % len(SUBJECTS)]}.')}}}\n"
        for i in range(SPEAKERS)
    )
    sessions = ["sessions:\n"]
    per_day = (talks + len(DAYS) - 1) // len(DAYS)
    for i in range(talks):
        day_id, date, _ = DAYS[i // per_day]
        slot = (i % per_day) // ROOMS  # talks start every 25 minutes in each room from 09:00
        start = 9 * 60 + slot * 25
        subject = SUBJECTS[i % len(SUBJECTS)]
        title = f"{subject} talk number {i}" if i else "<script>alert('x')</script> Welcome to the conference"
        sessions.append(
            f"  - id: t{i}\n    title: {{en: {_quoted(title)}}}\n    kind: {'panel' if i % 50 == 0 else 'session'}\n"
            f"    start: {date} {start // 60:02d}:{start % 60:02d}\n    end: {date} {(start + 20) // 60:02d}:{(start + 20) % 60:02d}\n"
            f"    room: r{i % ROOMS}\n    description: {{en: {_quoted(f'All about {subject}, part {i}.')}}}\n"
            f"    topics: {{en: [{subject.lower()}]}}\n    speakers: [p{i % SPEAKERS}]\n"
            + ("    public: false\n" if i % 100 == 7 else "")
        )
    return head + rooms + days + speakers + "".join(sessions) + MINIMAL_EVENT[MINIMAL_EVENT.index("faq:"):]
