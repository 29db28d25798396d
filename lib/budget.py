"""A CPU budget for one request: how much processor time it may take before it is refused.

A request that sends a thousand values, or one long message, makes the server work in proportion
to what was sent. The parsers are linear, but a linear cost can still be large, and one worker
thread busy for minutes starves everything else (the health check included). Loops over what a
client sent check a CpuBudget between items and stop with BudgetExceeded, which the API answers
with 503 and a hint to send smaller batches.

CPU time of the calling thread (time.thread_time), not wall time: under gthread workers several
requests share a process, and waiting for the database or for the GIL costs the server nothing.
Reading a thread's CPU clock is a system call (no vDSO), and a loop may check after every item:
a thread's CPU time never exceeds the wall time since it started, so the CPU clock is read only
once the cheap wall clock has passed the budget.
"""

from __future__ import annotations

import time

from django.conf import settings


class BudgetExceeded(Exception):
    """The request used up its CPU budget."""


class CpuBudget:
    """Started when made; `exceeded` once `seconds` of this thread's CPU time have passed."""

    __slots__ = ("seconds", "started", "started_wall")

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self.started = time.thread_time()
        self.started_wall = time.perf_counter()

    @classmethod
    def from_setting(cls, name: str, default: float) -> CpuBudget:
        """A budget of settings.<name> seconds (default when the setting is absent)."""
        return cls(float(getattr(settings, name, default)))

    @property
    def used(self) -> float:
        return time.thread_time() - self.started

    @property
    def exceeded(self) -> bool:
        return self.used > self.seconds

    def check(self) -> None:
        """Raise BudgetExceeded when the budget is used up."""
        if time.perf_counter() - self.started_wall <= self.seconds:
            return  # not even that much wall time has passed
        if self.exceeded:
            raise BudgetExceeded(f"{self.used:.3f} s of CPU used, budget {self.seconds} s")


def check(budget: CpuBudget | None) -> None:
    """budget.check(), for code whose caller may give no budget."""
    if budget is not None:
        budget.check()
