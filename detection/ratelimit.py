"""How many analyses an address may ask for a minute, on the page and the API alike, unless
settings.DETECTION_RATE_PER_MINUTE says otherwise (both count through lib.gates.rate_limited)."""

from __future__ import annotations

REQUESTS_PER_MINUTE = 60
