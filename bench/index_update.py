"""How long one listing takes to reach the index: a full rebuild against the overlay.

Builds a fresh SQLite database in a temporary CANHGIAC_VAR_DIR with N listed domains (and their
ListChange rows), builds the process-wide index once, then lists (and delists) values one at a
time through indicators.services and times get_matcher(refresh=True) until the check answers
the change: the overlay path (reads only the changes since). For comparison it times a full
build_from_database(), what every listing cost before. Last, with snapshots on, a process that
starts afresh maps the snapshot file and reads the changes since it instead of building.

    .venv/bin/python bench/index_update.py [--listed 200000] [--changes 40]

The last line is
    RESULT listed=… rebuild_s=… overlay_p50_ms=… overlay_max_ms=… snapshot_start_s=…
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from support.listings import insert_listed  # type: ignore[import-not-found]  # noqa: E402  # bench/ on sys.path
from support.synthetic import Synthetic  # type: ignore[import-not-found]  # noqa: E402


def prepare(var_dir: Path, count: int) -> None:
    os.environ["CANHGIAC_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "canhgiac.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    syn = Synthetic(20)
    domains = list(dict.fromkeys(syn.domain() for _ in range(count)))
    insert_listed([("domain", domain, "scam") for domain in domains])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listed", type=int, default=200_000)
    parser.add_argument("--changes", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="canhgiac-index-update-") as tmp:
        var_dir = Path(tmp)
        started = time.perf_counter()
        prepare(var_dir, args.listed)
        print(f"database: {args.listed:,} listed in {time.perf_counter() - started:.1f} s")

        from django.conf import settings

        from indicators.kinds import Kind
        from indicators.matcher import build_from_database, get_matcher, reset_matcher
        from indicators.services import delist_indicator, list_indicator

        started = time.perf_counter()
        base = get_matcher(refresh=True)
        first_build = time.perf_counter() - started
        print(f"first build: {len(base):,} rows in {first_build:.2f} s")

        timings = []
        for n in range(args.changes):
            value = f"moi-{n}.bench-vn.vn"
            list_indicator(kind=Kind.DOMAIN, value=value)
            if n % 4 == 3:
                delist_indicator(kind=Kind.DOMAIN, value=f"moi-{n - 1}.bench-vn.vn")
            started = time.perf_counter()
            index = get_matcher(refresh=True)
            timings.append(time.perf_counter() - started)
            assert index.check_host(value).listed, value
            if n % 4 == 3:
                assert not index.check_host(f"moi-{n - 1}.bench-vn.vn").listed
        assert index.overlay_size() > 0, "the overlay was not used"
        p50, worst = statistics.median(timings) * 1000, max(timings) * 1000
        print(
            f"overlay: {len(timings)} changes, refresh p50 {p50:.1f} ms, max {worst:.1f} ms, "
            f"overlay {index.overlay_size()} rows"
        )

        started = time.perf_counter()
        build_from_database()
        rebuild = time.perf_counter() - started
        print(f"full rebuild (what each listing cost before): {rebuild:.2f} s")

        settings.INDEX_SNAPSHOT_DIR = str(var_dir / "index")
        reset_matcher()
        started = time.perf_counter()
        get_matcher(refresh=True)  # builds and writes the snapshot
        written = time.perf_counter() - started
        list_indicator(kind=Kind.DOMAIN, value="sau-anh-chup.bench-vn.vn")
        reset_matcher()  # as a new worker
        started = time.perf_counter()
        index = get_matcher(refresh=True)
        start_s = time.perf_counter() - started
        assert index.snapshot is not None and index.check_host("sau-anh-chup.bench-vn.vn").listed
        size = sum(p.stat().st_size for p in (var_dir / "index").glob("*.snap")) / 1e6
        print(
            f"snapshot: build + write {written:.2f} s ({size:.0f} MB on disk), "
            f"start from it + changes since {start_s:.3f} s"
        )
        print(
            f"RESULT listed={len(base)} rebuild_s={rebuild:.2f} overlay_p50_ms={p50:.1f} "
            f"overlay_max_ms={worst:.1f} snapshot_start_s={start_s:.3f}"
        )


if __name__ == "__main__":
    main()
