"""Settings of the worker processes that test_outbox_kill.py starts and kills: the project's
own, pointed at the test's SMTP sink and fake Zalo and Facebook servers, with a short lease
so that a killed worker's rows come back within seconds."""

import os

from canhgiac.settings import *  # noqa: F403

ZALO_API_BASE = os.environ["TEST_ZALO_BASE"]
ZALO_OAUTH_BASE = os.environ["TEST_ZALO_BASE"]
FACEBOOK_GRAPH_BASE = os.environ["TEST_FACEBOOK_BASE"]
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["TEST_SMTP_PORT"])
EMAIL_USE_TLS = False
BULLETINS_OUTBOX_LEASE_SECONDS = float(os.environ.get("TEST_OUTBOX_LEASE", "3"))
BULLETINS_EMAIL_BATCH = 100
CHANNELS_HTTP_TIMEOUT = 30  # the test kills the worker while Facebook is slow to answer
ZALO_VERIFY_INTERVAL = 0.05
