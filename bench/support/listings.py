"""Listed indicators written straight into a bench's database: a million rows through the
services would take longer than the bench (insert_listed; Django must be set up with the
caller's settings). Also the mixed list of bench/lookup.py and bench/scale.py and the values
they check against it."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from .synthetic import WORDS, Synthetic


def insert_listed(rows: list[tuple[str, str, str]]) -> None:
    """Insert (kind, canonical value, category) rows as listed indicators (source "bench",
    risk high), each with its "added" list change, as indicators.services would record them."""
    from django.db import connection, transaction

    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO indicators_indicator (kind, value, status, category, risk, public_reason,"
            " source, listed_at, expires_at, created_at, updated_at)"
            " VALUES (%s, %s, 'listed', %s, 'high', '', 'bench', %s, NULL, %s, %s)",
            [(kind, value, category, now, now, now) for kind, value, category in rows],
        )
        cursor.execute(
            "INSERT INTO indicators_listchange (indicator_id, action, at)"
            " SELECT id, 'added', %s FROM indicators_indicator ORDER BY id",
            [now],
        )


# --- a list of a million, and the values a partner checks against it ---------------------------

# Unlisted URLs: POPULAR_SHARE on POPULAR_HOSTS sites drawn by popularity (Zipf), the others on
# hosts seen once, as in a partner's traffic: the look-alike cache holds the popular hosts, the
# long tail is scored anew.
POPULAR_HOSTS = 20_000
POPULAR_SHARE = 0.7

Listed = tuple[str, str, str]  # kind, canonical value, category


def mixed_listings(count: int, seed: int = 7) -> list[Listed]:
    """60% domains (a fifth of them subdomains), 25% URLs, 10% phones, 5% bank accounts;
    values unique."""
    syn = Synthetic(seed, longest_name=12)
    rng = syn.rng
    rows = []
    for n in range(count):
        share = n % 20
        if share < 12:
            domain = syn.domain(n)
            if rng.random() < 0.2:
                domain = f"{rng.choice(WORDS)}.{domain}"
            rows.append(("domain", domain, "phishing"))
        elif share < 17:
            if rng.random() < 0.1:
                url = f"http://sites.google.com/view/{syn.name()}-{n:x}"
            else:
                url = f"http://{syn.domain(n)}{syn.path(rng.randint(1, 3))}"
            rows.append(("url", url, "scam"))
        elif share < 19:
            rows.append(("phone", f"+849{n:08d}", "impersonation"))
        else:
            rows.append(("bank_account", f"VCB:{10**12 + n}", "scam"))
    return rows


def check_urls(rows: list[Listed], count: int, seed: int) -> list[str]:
    """URLs to check: 8% under listed domains, 4% under listed URLs, the rest not listed."""
    domains = [v for k, v, _c in rows if k == "domain"]
    urls = [v for k, v, _c in rows if k == "url"]
    popular = Synthetic(1000 + seed, longest_name=12).popular_hosts(POPULAR_HOSTS)
    return Synthetic(seed, longest_name=12).check_urls(
        domains, urls, count, popular=popular, popular_share=POPULAR_SHARE
    )


def single_values(rows: list[Listed], count: int, seed: int) -> list[str]:
    """Values of single checks: URLs as above, plus bare domains and phone numbers (15% each),
    listed and not."""
    rng = random.Random(seed)
    other = Synthetic(seed + 1, longest_name=12)
    urls = check_urls(rows, count, seed)
    phones = [v for k, v, _c in rows if k == "phone"]
    domains = [v for k, v, _c in rows if k == "domain"]
    values = []
    for url in urls:
        roll = rng.random()
        if roll < 0.15:
            listed = rng.random() < 0.3
            values.append(
                rng.choice(phones)
                if listed
                else f"09{rng.choice('013678')}{rng.randint(0, 10**7 - 1):07d}"
            )
        elif roll < 0.3:
            values.append(rng.choice(domains) if rng.random() < 0.3 else other.domain())
        else:
            values.append(url)
    return values
