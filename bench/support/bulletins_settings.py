"""Settings of bench/bulletins.py and its workers: the project's own, pointed at the bench's
SMTP sink and fake Zalo and Facebook servers (ports in the environment)."""

import os

from canhgiac.settings import *  # noqa: F403

ZALO_API_BASE = ZALO_OAUTH_BASE = os.environ["BENCH_ZALO_BASE"]
ZALO_VERIFY_INTERVAL = 0.05
FACEBOOK_GRAPH_BASE = os.environ["BENCH_FACEBOOK_BASE"]
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["BENCH_SMTP_PORT"])
EMAIL_USE_TLS = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
