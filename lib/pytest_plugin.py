"""Loaded with `-p lib.pytest_plugin` before pytest-django reads the settings: tests talk plain
HTTP to the test client and to the live server that Chromium visits."""

import os

os.environ.setdefault("CANHGIAC_HTTPS", "0")
# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by the
# test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
