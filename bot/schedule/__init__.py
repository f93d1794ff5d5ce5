"""Conference schedules exported by pretalx, frab, wafer, Indico or Symposion: parsed, imported into
the event, kept in sync, searched, and their changes announced to the delegates they concern."""
