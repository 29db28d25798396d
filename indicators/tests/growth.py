"""Does a function's time grow linearly with its input? A helper for the adversarial tests.

Only a super-linear function (a regex that backtracks, a loop that copies the rest of the input
at every step) should fail, never a busy machine. So: CPU time of this thread (time.thread_time:
what other processes do barely moves it), the best of three calls, a ratio of 3 allowed where
linear gives 2 and quadratic 4, no ratio judged below a floor of a few milliseconds, and a
failing measurement taken again twice before it counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

MAX_RATIO = 3.0  # time(2N) / time(N)
MAX_CALL_SECONDS = 1.0
FLOOR_SECONDS = 0.003  # below this, timer and cache noise outweigh any growth
ATTEMPTS = 3


def cpu_time(func: Callable[[str], object], value: str, *, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.thread_time()
        try:
            func(value)
        except ValueError:
            pass  # a refusal (in Vietnamese) is an answer: what it cost is what counts
        best = min(best, time.thread_time() - start)
    return best


def worst(unit: str, size: int, *, prefix: str = "") -> str:
    """`prefix` then `unit` repeated, cut to exactly `size` characters."""
    body = unit * (size // len(unit) + 1)
    return (prefix + body)[:size]


def growth_problem(
    func: Callable[[str], object], make: Callable[[int], str], sizes: tuple[int, ...]
) -> str | None:
    """None when func is linear on make(size) over the sizes, else what went wrong."""
    times = [cpu_time(func, make(size)) for size in sizes]
    shown = ", ".join(f"N={n}: {t * 1000:.1f} ms" for n, t in zip(sizes, times, strict=True))
    if max(times) > MAX_CALL_SECONDS:
        return f"a call took over {MAX_CALL_SECONDS} s ({shown})"
    for i in range(1, len(sizes)):
        (n1, t1), (n2, t2) = (sizes[i - 1], times[i - 1]), (sizes[i], times[i])
        if t2 > FLOOR_SECONDS and t2 > MAX_RATIO * max(t1, FLOOR_SECONDS / MAX_RATIO):
            return f"time grew {t2 / max(t1, 1e-9):.1f}x from N={n1} to N={n2} ({shown})"
    return None


def assert_linear(
    func: Callable[[str], object],
    make: Callable[[int], str],
    sizes: tuple[int, ...] = (2000, 4000, 8000),
) -> None:
    problem = None
    for _ in range(ATTEMPTS):
        problem = growth_problem(func, make, sizes)
        if problem is None:
            return
    raise AssertionError(problem)


def assert_fast(func: Callable[[str], object], value: str) -> None:
    """One call under MAX_CALL_SECONDS of CPU (for the property tests)."""
    spent = cpu_time(func, value, rounds=1)
    assert spent < MAX_CALL_SECONDS, f"{spent:.2f} s of CPU for {value[:60]!r}… ({len(value)})"


class _Cached(Protocol):
    """A functools.cache or lru_cache function."""

    def cache_clear(self) -> None: ...


def uncached(func: Callable[[str], object], *cached: _Cached) -> Callable[[str], object]:
    """func, with these functools caches emptied before each call: the best of three calls of a
    cached function would otherwise time a dictionary lookup, not the work."""

    def call(value: str) -> object:
        for function in cached:
            function.cache_clear()
        return func(value)

    call.__name__ = getattr(func, "__name__", "func")
    return call
