"""Benchmark of the indicator matcher.

Builds an index of 1,000,000 synthetic listed indicators (domains, URLs, phones, bank accounts),
then times 200,000 mixed URL checks in this one process, pinned to one core (rates are per CPU
second of this process, so other work on a shared machine does not skew them); measures the index's
memory (tracemalloc: what the index keeps after it is built); and times the same checks done the
naive way on a subset: the same expressions, one indexed SELECT each on a temporary SQLite table,
issued through the Django ORM as application code would (naive_ratio), and, for reference,
straight through the sqlite3 module.

    .venv/bin/python bench/indicators.py [--listed 1000000] [--checks 200000] [--naive 20000]

Targets: >= 100,000 URL checks/s, index < 200 MB, >= 50x the naive way. The last line is
    RESULT url_checks_per_s=… index_mb=… naive_ratio=…
"""

from __future__ import annotations

import argparse
import gc
import os
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from support.synthetic import WORDS, Synthetic  # noqa: E402  (bench/ is the script's folder)

from indicators.allowlist import shipped_allowlist  # noqa: E402
from indicators.matcher import (  # noqa: E402
    IndexRow,
    MatcherIndex,
    _host_suffixes,
    _path_prefixes,
    listing_expressions,
)
from indicators.urlcanon import canonical_parts, registrable_domain  # noqa: E402


def listed_rows(count: int, seed: int) -> list[IndexRow]:
    """60% domains, 25% URLs, 10% phones, 5% bank accounts."""
    syn = Synthetic(seed)
    rng = syn.rng
    rows: list[IndexRow] = []
    for pk in range(1, count + 1):
        share = pk % 20
        if share < 12:
            domain = syn.domain()
            if rng.random() < 0.2:
                domain = f"{rng.choice(WORDS)}.{domain}"
            rows.append(IndexRow(pk, "domain", domain, "phishing"))
        elif share < 17:
            if rng.random() < 0.1:
                host, path = "sites.google.com", f"/view/{syn.name()}"
            else:
                host, path = syn.domain(), syn.path(rng.randint(1, 3))
            query = syn.query() if rng.random() < 0.15 else ""
            rows.append(IndexRow(pk, "url", f"http://{host}{path}{query}", "scam"))
        elif share < 19:
            rows.append(IndexRow(pk, "phone", f"+849{rng.randint(0, 10**8 - 1):08d}", "scam"))
        else:
            account = f"VCB:{rng.randint(10**12, 10**13 - 1)}"
            rows.append(IndexRow(pk, "bank_account", account, "scam"))
    return rows


def check_urls(rows: list[IndexRow], count: int, seed: int) -> list[str]:
    domains = [r.value for r in rows if r.kind == "domain"]
    urls = [r.value for r in rows if r.kind == "url"]
    return Synthetic(seed).check_urls(domains, urls, count, odd_spellings=True)


def naive_database(path: str, rows: list[IndexRow]) -> None:
    """A SQLite table of (expression, indicator id) with an index on expression."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute(
        "CREATE TABLE naive_expression (id INTEGER PRIMARY KEY, "
        "expression VARCHAR(2048) NOT NULL, indicator_id BIGINT NOT NULL)"
    )
    db.executemany(
        "INSERT INTO naive_expression (expression, indicator_id) VALUES (?, ?)",
        ((e, r.pk) for r in rows for e in listing_expressions(r.kind, r.value)),
    )
    db.execute("CREATE INDEX naive_expression_expression ON naive_expression (expression)")
    db.commit()
    db.close()


def _expressions(url: str) -> list[str]:
    """The expressions the matcher would look up for a URL, most specific first."""
    parts = canonical_parts(url)
    hosts = [parts.host] if parts.is_ip else _host_suffixes(parts.host)
    paths = _path_prefixes(parts.path, parts.query)
    return [host + path for host in hosts for path in paths]


def django_naive(path: str):  # noqa: ANN201 (returns a function built on a bench-only model)
    """The naive way in a Django app: one ORM query (indexed SELECT … LIMIT 1) per expression."""
    import django
    from django.conf import settings

    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": path}},
        INSTALLED_APPS=[],
        USE_TZ=True,
    )
    django.setup()
    from django.db import models

    class NaiveExpression(models.Model):
        expression = models.CharField(max_length=2048, db_index=True)
        indicator_id = models.BigIntegerField()

        class Meta:
            app_label = "bench"
            db_table = "naive_expression"

        def __str__(self) -> str:
            return self.expression

    def check(url: str) -> int | None:
        for expression in _expressions(url):
            found = list(
                NaiveExpression.objects.filter(expression=expression).values_list(
                    "indicator_id", flat=True
                )[:1]
            )
            if found:
                return found[0]
        return None

    return check


def sqlite_naive(path: str):  # noqa: ANN201
    """The same queries straight through the sqlite3 module (no ORM): a lower bound."""
    db = sqlite3.connect(path)

    def check(url: str) -> int | None:
        for expression in _expressions(url):
            found = db.execute(
                "SELECT indicator_id FROM naive_expression WHERE expression = ? LIMIT 1",
                (expression,),
            ).fetchone()
            if found:
                return found[0]
        return None

    return check


def timed(check, urls: list[str]) -> tuple[float, int]:  # noqa: ANN001
    """URLs per CPU second (this process only: other work on a shared machine does not count)."""
    started = time.process_time()
    hits = sum(1 for url in urls if check(url) is not None)
    return len(urls) / (time.process_time() - started), hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listed", type=int, default=1_000_000)
    parser.add_argument("--checks", type=int, default=200_000)
    parser.add_argument("--naive", type=int, default=20_000, help="URLs checked the naive way")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    started = time.perf_counter()
    rows = listed_rows(args.listed, seed=1)
    urls = check_urls(rows, args.checks, seed=2)
    shipped_allowlist()
    registrable_domain("warm.up.example.com")
    print(f"synthetic data: {len(rows):,} listed, {len(urls):,} URLs to check")

    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    index = MatcherIndex(rows)
    build_s = time.perf_counter() - t0
    gc.collect()
    index_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    index_mb = index_bytes / 2**20
    print(
        f"index: built in {build_s:.1f} s (under tracemalloc); {index_mb:.1f} MB held "
        f"(buffers {index.memory_bytes() / 2**20:.1f} MB), {len(index._prefixes):,} expressions"
    )

    check = index.check_url
    check(urls[0])
    t0, c0 = time.perf_counter(), time.process_time()
    listed = sum(1 for url in urls if check(url).listed)
    wall_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    rate = len(urls) / cpu_s
    print(
        f"matcher: {len(urls):,} URL checks in {cpu_s:.2f} CPU s = {rate:,.0f}/s on one core "
        f"({len(urls) / wall_s:,.0f}/s by the wall clock); {listed:,} listed"
    )

    subset = urls[: args.naive]
    matcher_hits = sum(1 for url in subset if check(url).listed)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "naive.sqlite3")
        t0 = time.perf_counter()
        naive_database(path, rows)
        print(f"naive: SQLite table of expressions built in {time.perf_counter() - t0:.1f} s")
        orm_rate, orm_hits = timed(django_naive(path), subset)
        raw_rate, raw_hits = timed(sqlite_naive(path), subset)
    ratio = rate / orm_rate
    print(
        f"naive (Django ORM, one indexed SELECT per expression): {orm_rate:,.0f} URLs/s, "
        f"{orm_hits:,} hits of {len(subset):,} (matcher: {matcher_hits:,}); matcher {ratio:.0f}x"
    )
    print(
        f"naive (sqlite3 module, no ORM): {raw_rate:,.0f} URLs/s, {raw_hits:,} hits; "
        f"matcher {rate / raw_rate:.1f}x"
    )
    print(f"total {time.perf_counter() - started:.0f} s")
    print(f"RESULT url_checks_per_s={rate:.0f} index_mb={index_mb:.1f} naive_ratio={ratio:.1f}")


if __name__ == "__main__":
    main()
