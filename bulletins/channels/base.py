"""What every outside channel (Zalo OA, Facebook Page) offers the outbox, and the errors it raises.

The outbox (bulletins/outbox.py) reads the error's class to decide what happens to the item:

- `RetryLater`: try again after `after_seconds` (rate limit, quota, a 5xx, a timeout). When
  `maybe_delivered` is true the request may have reached the service (a timeout, a dropped
  connection after sending): ask `find_existing` before posting again.
- `NeedsNewToken`: the service refused the credentials; the admin must enter new ones (the
  channel page shows the error). The item waits; it is not a failure of the bulletin.
- `Permanent`: the service refused this post for good (bad request, missing permission).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bulletins.models import Revision


class ChannelError(Exception):
    """An outside channel refused or could not take a post; `code` is the service's own code."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]" if self.code else self.message


class RetryLater(ChannelError):
    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        after_seconds: int = 60,
        maybe_delivered: bool = False,
    ) -> None:
        super().__init__(message, code=code)
        self.after_seconds = after_seconds
        self.maybe_delivered = maybe_delivered


class NeedsNewToken(ChannelError):
    """Shown to the admin on the channel page; the item waits for the new credentials."""


class Permanent(ChannelError):
    pass


class PostChannel(Protocol):
    """A channel that publishes one post per revision: `post` returns the service's id of the
    post; `find_existing` answers the id of a post that already carries `revision.public_url`
    (None if there is none), so that a retry after a timeout never posts twice."""

    key: str

    def post(self, *, revision: Revision) -> str: ...

    def find_existing(self, *, revision: Revision) -> str | None: ...
