"""Accreditation: one-time codes that make a Telegram user a verified delegate of a delegation."""
