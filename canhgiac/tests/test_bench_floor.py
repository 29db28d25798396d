"""The bench's floor endpoint (canhgiac.views.bench_floor) exists only when the setting turns it
on, and then answers its fixed JSON through the whole middleware like any API answer."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.urls import NoReverseMatch, reverse

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
import django
django.setup()
from django.test import Client
response = Client(HTTP_HOST="127.0.0.1").get("/api/bench-floor")
print(json.dumps({"status": response.status_code, "body": response.content.decode(),
                  "headers": dict(response.headers)}))
"""


def test_the_floor_route_does_not_exist_by_default(client):
    assert client.get("/api/bench-floor").status_code == 404
    try:
        reverse("bench-floor")
    except NoReverseMatch:
        return
    raise AssertionError("the floor endpoint is routed without CANHGIAC_BENCH_FLOOR")


def test_with_the_setting_the_floor_answers_fixed_json_through_the_middleware(tmp_path):
    # The URL conf reads the setting once, at import: a process of its own.
    env = {
        **os.environ,
        "CANHGIAC_BENCH_FLOOR": "1",
        "CANHGIAC_VAR_DIR": str(tmp_path),
        "CANHGIAC_HTTPS": "0",
        "DJANGO_SETTINGS_MODULE": "canhgiac.settings",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    assert json.loads(answer["body"]) == {"status": "ok"}
    headers = answer["headers"]
    assert headers["Content-Type"] == "application/json"
    # Set by the middleware every answer goes through (security, language, CSP).
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Language"] == "vi"
    assert "Content-Security-Policy" in headers
