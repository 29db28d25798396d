"""The base index as a file: mapped by this process or another, it answers as the build does;
a process starts from the newest snapshot that fits the database and reads the changes since."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from indicators.kinds import Kind
from indicators.matcher import (
    MatcherIndex,
    build_from_database,
    current_version,
    get_matcher,
    reset_matcher,
)
from indicators.models import Category
from indicators.overlay import start_tracker
from indicators.services import allow_name, delist_indicator, list_indicator
from indicators.snapshot import change_at, read_snapshot, stamp, write_snapshot
from indicators.tests.test_incremental import (
    HOST_PROBES,
    POOL,
    PREFIXES,
    URL_PROBES,
    VALUE_PROBES,
    answers,
)

pytestmark = pytest.mark.django_db


def _list_pool() -> None:
    for n, (kind, raw) in enumerate(POOL):
        if n % 4 != 3:
            category = [Category.SCAM, Category.PHISHING][n % 2]
            list_indicator(kind=kind, value=raw, category=category)


def _write(index: MatcherIndex, directory: Path) -> Path:
    version = current_version()
    return write_snapshot(
        index,
        directory,
        change_id=int(str(version[0] or 0)),
        change_at=change_at(int(str(version[0] or 0))),
        allowlist=stamp(version[2:]),
        tracker=start_tracker(None, timezone.now()),
    )


def test_a_mapped_snapshot_answers_as_the_build(tmp_path):
    _list_pool()
    built = build_from_database()
    mapped = read_snapshot(_write(built, tmp_path)).index
    assert mapped.snapshot is not None
    assert answers(mapped) == answers(built)


PROBE_SCRIPT = """
import json, sys
import django
django.setup()
from indicators.kinds import Kind
from indicators.snapshot import read_snapshot
from pathlib import Path
probes = json.loads(sys.stdin.read())
index = read_snapshot(Path(probes["path"])).index
def show(v):
    return [v.kind, v.value, v.listed, v.allowlisted, v.match, v.matched_pk, v.category, v.reason]
print(json.dumps({
    "len": len(index),
    "urls": [show(index.check_url(u)) for u in probes["urls"]],
    "hosts": [show(index.check_host(h)) for h in probes["hosts"]],
    "values": [show(index.check(k, r)) for k, r in probes["values"]],
    "entries": [[[f.hex(), list(index.row(n))] for f, n in index.entries_for_prefix(bytes.fromhex(p))]
                for p in probes["prefixes"]],
    "prefixes": index.hash_prefixes().hex(),
}))
"""


def _show(index: MatcherIndex) -> dict[str, object]:
    def show(v):  # noqa: ANN001, ANN202 (test helper)
        return [
            v.kind,
            v.value,
            v.listed,
            v.allowlisted,
            v.match,
            v.matched_pk,
            v.category,
            v.reason,
        ]

    return {
        "len": len(index),
        "urls": [show(index.check_url(u)) for u in URL_PROBES],
        "hosts": [show(index.check_host(h)) for h in HOST_PROBES],
        "values": [show(index.check(k, r)) for k, r in VALUE_PROBES],
        "entries": [
            [[f.hex(), list(index.row(n))] for f, n in index.entries_for_prefix(p)]
            for p in PREFIXES
        ],
        "prefixes": index.hash_prefixes().hex(),
    }


def test_another_process_maps_the_snapshot_and_answers_the_same(tmp_path):
    _list_pool()
    built = build_from_database()
    path = _write(built, tmp_path)
    probes = {
        "path": str(path),
        "urls": URL_PROBES,
        "hosts": HOST_PROBES,
        "values": [[k.value, r] for k, r in VALUE_PROBES],
        "prefixes": [p.hex() for p in PREFIXES],
    }
    # Another hash salt than this process: the other process rebuilds its Bloom filter from
    # the keys in the file, and shares everything else.
    env = {**os.environ, "PYTHONHASHSEED": "4242", "DJANGO_SETTINGS_MODULE": "canhgiac.settings"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE_SCRIPT],
        input=json.dumps(probes),
        capture_output=True,
        text=True,
        env=env,
        cwd=str(django_settings.BASE_DIR),
        timeout=120,
        check=True,
    )
    other = json.loads(result.stdout)
    assert other == json.loads(json.dumps(_show(built)))
    assert other["urls"][0][2] is True  # something is listed: the comparison means something


def test_a_process_starts_from_the_snapshot_and_reads_the_changes_since(
    settings, tmp_path, django_assert_max_num_queries
):
    settings.INDEX_SNAPSHOT_DIR = str(tmp_path)
    _list_pool()
    first = get_matcher(refresh=True)  # built from the database, and written
    assert first.snapshot is None and len(list(tmp_path.glob("index-*.snap"))) == 1
    reset_matcher()  # as a new worker process
    list_indicator(kind=Kind.DOMAIN, value="moi-sau-anh.vn")
    delist_indicator(kind=Kind.DOMAIN, value="lua-dao.vn")
    # The version, the recorded change, the changes since and their indicators: not the list.
    with django_assert_max_num_queries(4):
        index = get_matcher()
    assert index.snapshot is not None and index.overlay_size() == 2
    assert index.check_host("moi-sau-anh.vn").listed and not index.check_host("lua-dao.vn").listed
    assert answers(index) == answers(build_from_database())


def test_a_snapshot_of_another_list_is_not_used(settings, tmp_path):
    settings.INDEX_SNAPSHOT_DIR = str(tmp_path)
    _list_pool()
    get_matcher(refresh=True)
    reset_matcher()
    allow_name(name="cong-ty-that.vn")  # the allowlist changed since the snapshot
    index = get_matcher()
    assert index.snapshot is None
    assert answers(index) == answers(build_from_database())
    # A snapshot that records a change this database does not have (a restored database).
    reset_matcher()
    for path in tmp_path.glob("index-*.snap"):
        path.unlink()
    version = current_version()
    write_snapshot(
        build_from_database(),
        tmp_path,
        change_id=int(str(version[0])),
        change_at="2020-01-01 00:00:00+00:00",
        allowlist=stamp(version[2:]),
        tracker=start_tracker(None, timezone.now()),
    )
    assert get_matcher().snapshot is None
