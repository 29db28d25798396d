"""`manage.py check --deploy` warns about settings a real deployment must change."""

import configparser
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import SystemCheckError

from canhgiac.checks import check_site_url, check_trusted_proxies

ROOT = Path(__file__).resolve().parents[2]


def ids(messages) -> list[str]:
    return [m.id for m in messages]


def test_default_site_url_with_debug_off_is_a_deploy_warning(settings):
    settings.DEBUG = False
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert ids(check_site_url()) == ["canhgiac.W001"]
    settings.SITE_URL = "http://localhost:8000"
    assert ids(check_site_url()) == ["canhgiac.W001"]


def test_a_public_https_site_url_passes(settings):
    settings.DEBUG, settings.HTTPS = False, True
    settings.SITE_URL = "https://canhgiac.example.gov.vn"
    assert check_site_url() == []
    settings.SITE_URL = "http://canhgiac.example.gov.vn"
    assert ids(check_site_url()) == ["canhgiac.W002"]


def test_debug_on_is_not_warned_about_the_site_url(settings):
    settings.DEBUG = True
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert check_site_url() == []


def test_check_deploy_command_reports_the_site_url(settings, capsys):
    settings.DEBUG = False
    settings.SITE_URL = "http://127.0.0.1:8000"
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", "--deploy", "--fail-level", "WARNING")
    assert "canhgiac.W001" in str(raised.value) and "CANHGIAC_SITE_URL" in str(raised.value)
    settings.SITE_URL = "https://canhgiac.example.gov.vn"
    out = io.StringIO()
    call_command("check", "--deploy", "--fail-level", "CRITICAL", stdout=out, stderr=out)
    assert "canhgiac.W001" not in out.getvalue()


def test_a_mistyped_trusted_proxy_is_an_error(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.300"]
    assert ids(check_trusted_proxies()) == ["canhgiac.E001"]
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/24", "::1"]
    assert check_trusted_proxies() == []


# --- the production guide's files (deploy/) ------------------------------------------------

DEPLOY = ROOT / "deploy"
INSTALLED = "/srv/canhgiac"  # where the guide installs the code
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def unit_file(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    # systemd keys are case-sensitive; replacing optionxform is configparser's documented way.
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    return parser


def test_the_guide_ships_units_for_web_worker_periodic_and_backups():
    names = {p.name for p in UNITS}
    assert {"canhgiac-web.service", "canhgiac-worker.service", "canhgiac-periodic.service"} <= names
    assert (DEPLOY / "systemd" / "canhgiac-backup.timer").exists()


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_unit_runs_a_command_that_exists(path):
    service = unit_file(path)["Service"]
    assert service["WorkingDirectory"] == INSTALLED
    program, *args = shlex.split(service["ExecStart"])
    assert program.startswith(INSTALLED + "/")
    local = ROOT / program.removeprefix(INSTALLED + "/")
    assert local.is_file() and os.access(local, os.X_OK), f"{program} is not in this checkout"
    if local.name == "python":
        script, name, *options = args
        assert script == "manage.py" and (ROOT / script).exists()
        commands = get_commands()
        assert name in commands, f"no management command {name}"
        command = load_command_class(commands[name], name)
        _known, unknown = command.create_parser("manage.py", name).parse_known_args(options)
        assert unknown == [], f"{name} does not take {unknown}"
    else:
        assert local.name == "gunicorn"
        # gunicorn loads the application and the settings module, then exits.
        done = subprocess.run(
            [str(local), "--check-config", *args],
            cwd=ROOT,
            env={**os.environ, "CANHGIAC_HTTPS": "0"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_example_environment_names_only_settings_that_exist():
    settings_source = (ROOT / "canhgiac" / "settings.py").read_text()
    settings_source += (ROOT / "lib" / "env.py").read_text()  # the secret key's file
    names = [
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (DEPLOY / "canhgiac.env.example").read_text().splitlines()
        if "=" in line and re.match(r"#? ?[A-Z_]+=", line)
    ]
    assert "CANHGIAC_SITE_URL" in names and "CANHGIAC_TRUSTED_PROXIES" in names
    unknown = [n for n in names if f'"{n}"' not in settings_source]
    assert unknown == []


def test_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not found (no systemd on this machine)")
    env_file = DEPLOY / "canhgiac.env.example"
    for path in [*UNITS, *(DEPLOY / "systemd").glob("*.timer")]:
        text = path.read_text().replace("/etc/canhgiac/canhgiac.env", str(env_file))
        (tmp_path / path.name).write_text(text.replace(INSTALLED, str(ROOT)))
    done = subprocess.run(
        [analyze, "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "ignoring" not in output and "Unknown" not in output, output


def test_every_log_line_is_in_the_site_time_zone(settings):
    """gunicorn's arbiter (no Django) and Django's processes write the same zone, with its
    offset; a machine set to UTC does not change that."""
    from canhgiac import gunicorn_conf

    assert gunicorn_conf.TIME_ZONE == settings.TIME_ZONE
    code = "import time; import canhgiac.gunicorn_conf; print(time.strftime('%z'))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "TZ": "UTC"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "+0700"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "stamped"
    assert "%z" in settings.LOGGING["formatters"]["stamped"]["datefmt"]
