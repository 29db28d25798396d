"""A fixed-window rate limiter on Django's shared cache: the database cache by default (one
machine, shared by every worker process), Redis when REDIS_URL is set (many machines).

The count of a window is exact on both, however many requests come at once:

- On Redis, one MULTI/EXEC sends `SET key 0 EX ttl NX` and `INCRBY key n`: the key is created
  once with its lifetime and counted atomically, in one round trip. (Django's own add then incr
  would also count exactly, but its incr is EXISTS then INCRBY: a key that expires between the
  two comes back without a lifetime and stays for ever.)
- On the database cache, incr is a read then a write, so two requests may read the same count
  and one increment is lost; worse, a request that read an old count can write it back after
  others counted, and the count goes down. The read and the write therefore run in one
  transaction that holds a lock: SQLite's write lock (the project opens every transaction
  IMMEDIATE) or, on PostgreSQL, an advisory lock on the key, so that one request at a time
  counts a given key. One write transaction per request (add then incr took two).
- Any other cache (the file or memory cache of a developer's machine) gets plain add and incr:
  it may let a few requests too many through when they come at the same instant.

A window's key lives at least `window + 5` seconds from its first request, so it cannot expire
while its window lasts; if the cache drops it anyway (a full cache culls or evicts), counting
starts again.

`allow` counts every request in the cache: one write transaction each on the database cache.
`allow_reserved` is for a high limit (a partner's key): a worker process reserves a chunk of
requests at a time (a fiftieth of the limit, at most 1,000) and serves the chunk from memory. A
partner allowed a million requests a minute then costs the cache one write per 1,000 requests,
and the limit still holds across processes: what all processes together reserve in a window
never passes the limit (the shared counter is exact). A limit under 100 a minute gets chunks of
one, that is, a count of every request. The cost: a process may hold tokens it does not use
while another is refused, at most a fiftieth of the limit per process. Anonymous per-address
limits use `allow`: exact.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import connections, router, transaction
from django.http import HttpRequest

from lib.proxies import client_address

Clock = Callable[[], float]

# The clock that places a request in its window: the wall clock, or a test's (fixed_clock).
_clock: Clock = time.time
_test_windows = itertools.count(1)
_TEST_EPOCH = 1_111_112 * 3600  # a whole hour, past any wall-clock time a test runs at


def _now() -> float:
    return _clock()


@contextmanager
def using_clock(clock: Clock) -> Iterator[None]:
    """Count windows on `clock` (seconds, as time.time) while the block runs."""
    global _clock  # noqa: PLW0603 (one clock per process, swapped for a test and back)
    previous = _clock
    _clock = clock
    try:
        yield
    finally:
        _clock = previous


@contextmanager
def fixed_clock() -> Iterator[float]:
    """Tests: the clock stands still in the middle of a window no other test uses, so that a
    test's requests never fall into two windows (a minute boundary between them would start
    the count again) nor meet the counts of an earlier test. Yields the time it stands at."""
    # Whole hours apart: windows of any length up to an hour are distinct between tests, and a
    # minute's window has half a minute on either side.
    now = float(_TEST_EPOCH + next(_test_windows) * 3600 + 30)
    with using_clock(lambda: now):
        yield now


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For read through the proxies that
    CANHGIAC_TRUSTED_PROXIES names (lib/proxies.py). Lock-outs use the same (axes settings)."""
    return client_address(request) or "unknown"


def pseudonym(value: str) -> str:
    """A keyed hash, so that neither the cache nor a stored row holds the address itself."""
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def allow(scope: str, ident: str, *, limit: int, window: int = 60) -> bool:
    """Count one request of `ident` in `scope`; False once more than `limit` came in this
    window of `window` seconds."""
    if limit <= 0:
        return True
    bucket = int(_now()) // window
    key = f"rl:{scope}:{pseudonym(ident)}:{bucket}"
    return hit(key, ttl=window + 5) <= limit


CHUNK_DIVISOR = 50
MAX_CHUNK = 1000


class _Reserved:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tokens: dict[tuple[str, str, int], int] = {}  # -1: spent for this window
        self.bucket = 0


_reserved = _Reserved()


def forget_reserved() -> None:
    """Forget the tokens this process reserved (tests)."""
    with _reserved.lock:
        _reserved.tokens.clear()


def allow_reserved(scope: str, ident: str, *, limit: int, window: int = 60) -> bool:
    """Count one request of `ident` in `scope`, from tokens this process reserved in chunks
    (see the module's text); False once `limit` requests came in this window of `window`
    seconds over all worker processes."""
    if limit <= 0:
        return True
    bucket = int(_now()) // window
    key = (scope, ident, bucket)
    state = _reserved
    with state.lock:
        if bucket != state.bucket:
            state.tokens = {k: v for k, v in state.tokens.items() if k[2] >= bucket}
            state.bucket = bucket
        left = state.tokens.get(key, 0)
        if left > 0:
            state.tokens[key] = left - 1
            return True
        if left < 0:
            return False
    granted = _reserve(scope, ident, bucket, limit, window)
    with state.lock:
        left = max(0, state.tokens.get(key, 0))
        if granted == 0 and left == 0:
            state.tokens[key] = -1
            return False
        state.tokens[key] = left + granted - 1
        return True


def _reserve(scope: str, ident: str, bucket: int, limit: int, window: int) -> int:
    chunk = max(1, min(limit // CHUNK_DIVISOR, MAX_CHUNK))
    total = hit(f"rl:{scope}:{pseudonym(ident)}:{bucket}", amount=chunk, ttl=window + 5)
    return max(0, min(chunk, limit - (total - chunk)))


def hit(key: str, *, amount: int = 1, ttl: int) -> int:
    """Add `amount` to the counter `key` of the default cache, created at 0 to live `ttl`
    seconds if it is not there, and return the new total (exact, see the module's text)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return _hit_redis(backend, key, amount, ttl)
    if isinstance(backend, DatabaseCache):
        return _hit_database(backend, key, amount, ttl)
    return _add_or_incr(backend, key, amount, ttl)


def _hit_redis(backend: RedisCache, key: str, amount: int, ttl: int) -> int:
    # Django's RedisCache has no atomic "create with a lifetime, then add": use its redis-py
    # client (a private attribute since Django 4.0; the tests on a real Redis cover it).
    full_key = backend.make_and_validate_key(key)
    cache_client: RedisCacheClient = backend._cache  # type: ignore[attr-defined]  # private, not in the stubs
    client = cache_client.get_client(full_key, write=True)
    with client.pipeline(transaction=True) as pipe:
        pipe.set(full_key, 0, ex=ttl, nx=True)
        pipe.incrby(full_key, amount)
        _created, total = pipe.execute()
    return int(total)


def _hit_database(backend: DatabaseCache, key: str, amount: int, ttl: int) -> int:
    alias = router.db_for_write(backend.cache_model_class)
    connection = connections[alias]
    with transaction.atomic(using=alias):
        if connection.vendor == "postgresql":
            lock = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")
            with connection.cursor() as cursor:
                # Released at the end of the transaction; the 64-bit lock id is signed.
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock - (1 << 63)])
        # Read and write in the lock: the same as add then incr, in fewer queries.
        total = (backend.get(key) or 0) + amount
        backend.set(key, total, timeout=ttl)
        return total


def _add_or_incr(backend: BaseCache, key: str, amount: int, ttl: int) -> int:
    for _attempt in range(3):
        if backend.add(key, amount, timeout=ttl):
            return amount
        try:
            return backend.incr(key, amount)
        except ValueError:  # gone between add and incr (expired or culled): start it again
            continue
    return amount
