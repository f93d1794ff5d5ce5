"""Telegram handlers, one module per feature; each only parses, calls a service and renders."""
