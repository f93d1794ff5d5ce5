"""Questions to speakers: delegates ask during a session, moderators approve, the chair reads them."""
