"""Session reminders: delegates subscribe to sessions (or a whole day), the bot reminds them a lead time
before the start, in their language, through the outbox; organisers schedule event-wide reminders."""
