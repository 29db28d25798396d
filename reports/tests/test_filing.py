"""Accept fast, file in the background: a submission is stored with the task that files it, in one
transaction, and answered at once; the task files it into cases exactly once, and the real
worker (`manage.py db_worker`) runs it."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from indicators.models import Indicator
from reports.models import Case, CaseIndicator, Channel, Report, ScamType, Source
from reports.submission import ReportInput, submit_report
from reports.tasks import file_report_task, file_unfiled_reports
from reports.tests.factories import make_report

ROOT = Path(__file__).resolve().parents[2]
URL = "/api/reports/"
TASK_PATH = "reports.tasks.file_report_task"
MESSAGE = "Tai khoan bi khoa, cap nhat tai http://vcb-xac-minh.com hoac goi 0912345678"


def filing_tasks(report: Report) -> list[DBTaskResult]:
    return [
        row
        for row in DBTaskResult.objects.filter(task_path=TASK_PATH)
        if row.args_kwargs["args"] == [report.pk]
    ]


def report_input(world, **overrides) -> ReportInput:
    fields = dict(
        channel=Channel.SMS,
        scam_type=ScamType.FAKE_BANK_SMS,
        unit=world.unit("D1-C1"),
        message_text=MESSAGE,
        indicators=[("phone", "+84912345678"), ("domain", "vcb-xac-minh.com")],
    )
    return ReportInput(**{**fields, **overrides})


@pytest.mark.django_db
def test_a_submitted_report_is_answered_201_before_it_is_filed(client, world):
    response = client.post(
        URL,
        {"channel": "sms", "scam_type": "fake_bank_sms", "message_text": MESSAGE},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "received" and data["status_label"]
    report = Report.objects.get(tracking_code=data["tracking_code"])
    # Stored with what it names, waiting for the worker: no case, no indicator recorded yet.
    assert report.filed_at is None
    assert sorted(map(tuple, report.indicator_keys)) == [
        ("phone", "+84912345678"),
        ("url", "http://vcb-xac-minh.com/"),
    ]
    assert not report.cases.exists() and not report.indicators.exists()
    assert not Indicator.objects.exists() and not Case.objects.exists()
    [task] = filing_tasks(report)
    assert task.status == "READY"
    # The tracking page already answers for it.
    status = client.get(f"{URL}status/{report.tracking_code}").json()
    assert status["status"] == "received"


@pytest.mark.django_db
def test_the_filing_task_files_a_report_exactly_once_even_if_run_twice(world):
    report, _created = submit_report(data=report_input(world), files=[], source=Source.FORM)
    assert file_report_task.call(report.pk) is True
    assert file_report_task.call(report.pk) is False  # a second run (a retried task)
    report.refresh_from_db()
    assert report.filed_at is not None
    case = report.cases.get()
    assert case.report_count == 1 and case.reports.count() == 1
    assert set(report.indicators.values_list("kind", "value")) == {
        ("phone", "+84912345678"),
        ("domain", "vcb-xac-minh.com"),
    }
    assert Indicator.objects.count() == 2 and CaseIndicator.objects.count() == 2
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_a_report_and_its_filing_task_commit_together(world):
    """The task row is written in the report's transaction (not on commit): when that
    transaction fails, neither exists; when it commits, both do."""
    with pytest.raises(RuntimeError), transaction.atomic():
        report, _created = submit_report(data=report_input(world), files=[], source=Source.FORM)
        assert len(filing_tasks(report)) == 1  # already written, in this transaction
        raise RuntimeError("the request failed after storing")
    assert not Report.objects.exists()
    assert not DBTaskResult.objects.filter(task_path=TASK_PATH).exists()
    report, _created = submit_report(data=report_input(world), files=[], source=Source.FORM)
    assert Report.objects.get() == report and len(filing_tasks(report)) == 1


@pytest.mark.django_db
def test_reports_filed_in_any_order_share_the_case_of_their_indicator(world):
    first = make_report(world.unit("D1-C1"), "0912345678", filed=False)
    second = make_report(world.unit("D1-C2"), "0912345678", "0977123456", filed=False)
    file_report_task.call(second.pk)
    file_report_task.call(first.pk)
    case = second.cases.get()
    assert list(first.cases.all()) == [case]
    case.refresh_from_db()
    assert case.report_count == 2 and case.unit == world.unit("D1")
    assert case.indicators.count() == 2


@pytest.mark.django_db
def test_unfiled_reports_are_queued_again_after_a_while(world):
    from datetime import timedelta

    late = make_report(world.unit("D1-C1"), "0912345678", filed=False)
    fresh = make_report(world.unit("D1-C1"), "0977123456", filed=False)
    filed = make_report(world.unit("D1-C1"), "0988123456")
    Report.objects.filter(pk__in=[late.pk, filed.pk]).update(
        created_at=late.created_at - timedelta(hours=1)
    )
    assert file_unfiled_reports(older_than=timedelta(minutes=10)) == 1
    assert len(filing_tasks(late)) == 2 and len(filing_tasks(fresh)) == 1
    assert len(filing_tasks(filed)) == 1


# --- the real worker -------------------------------------------------------------------------


def _fresh_postgres() -> str:
    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    name = f"{url.path.lstrip('/')}_filing"
    admin = urlunparse(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(url._replace(path=f"/{name}"))


SUBMIT = """
from orgs.models import Unit
from reports.models import Channel, ScamType, Source
from reports.submission import ReportInput, submit_report
unit = Unit.add_root(code="P", name="Tỉnh", kind="province")
data = ReportInput(channel=Channel.SMS, scam_type=ScamType.FAKE_BANK_SMS, unit=unit,
    message_text="goi 0912345678", indicators=[("phone", "+84912345678")])
print(submit_report(data=data, files=[], source=Source.FORM)[0].pk)
"""

STATE = """
import json
from reports.models import Report
r = Report.objects.get(pk={pk})
print(json.dumps([r.filed_at is not None, r.cases.count(), r.indicators.count(),
    list(r.cases.values_list("report_count", flat=True))]))
"""


@pytest.mark.real_service
def test_the_worker_files_a_queued_report():
    var = Path(tempfile.mkdtemp(prefix="canhgiac-filing-"))
    env = {**os.environ, "CANHGIAC_VAR_DIR": str(var), "CANHGIAC_HTTPS": "0"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = _fresh_postgres()

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return (done.stdout.strip().splitlines() or [""])[-1]

    worker = None
    try:
        manage("migrate", "--noinput", "-v0")
        pk = int(manage("shell", "-c", SUBMIT))
        assert json.loads(manage("shell", "-c", STATE.format(pk=pk))) == [False, 0, 0, []]
        args = ["db_worker", "--no-startup-delay", "--no-reload", "--interval", "0.1"]
        worker = subprocess.Popen(
            [sys.executable, "manage.py", *args, "--worker-id", "filing-test"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        state = None
        while time.monotonic() < deadline:
            state = json.loads(manage("shell", "-c", STATE.format(pk=pk)))
            if state[0]:
                break
            time.sleep(0.3)
        assert state == [True, 1, 1, [1]]
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        shutil.rmtree(var, ignore_errors=True)


@pytest.mark.django_db
def test_the_idempotency_look_up_uses_its_index_on_sqlite():
    from django.db import connection

    from reports.models import Report
    from reports.submission import IDEMPOTENT_MATCH_SQL

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's rule for partial indexes")
    sql = IDEMPOTENT_MATCH_SQL.format(table=connection.ops.quote_name(Report._meta.db_table))
    params = ["key:1", "k1"]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "report_idempotency_unique" in plan, plan
