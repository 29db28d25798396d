"""Bulletins' models, one module per part (content, channels, outbox)."""
