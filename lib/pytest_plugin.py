"""Loaded with `-p lib.pytest_plugin` before pytest-django reads the settings."""

import atexit
import os
import shutil
import tempfile

# Tests talk plain HTTP to the test client and to the live server that Chromium visits.
os.environ.setdefault("CANHGIAC_HTTPS", "0")
# Tests never touch the developer's var/ (database, collected static files, secret key).
if "CANHGIAC_VAR_DIR" not in os.environ:
    os.environ["CANHGIAC_VAR_DIR"] = tempfile.mkdtemp(prefix="canhgiac-test-")
    atexit.register(shutil.rmtree, os.environ["CANHGIAC_VAR_DIR"], True)
# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by the
# test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
