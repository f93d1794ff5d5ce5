"""Session feedback: after a session ends its attendees are asked once for a 1-5 rating and an optional
comment, in their language, through the outbox; organisers read the results per session."""
