"""Settings of bench/drills.py and its gunicorn: the project's own, without the per-address
limit on the tracking endpoints (every bench client comes from 127.0.0.1)."""

from canhgiac.settings import *  # noqa: F403

DRILLS_TRACK_RATE_PER_IP = 0
DRILLS_PAGE_RATE_PER_IP = 0
DRILLS_ALLOWED_MAIL_DOMAINS = ["so-thu-nghiem.gov.vn"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
