"""The Facebook Page channel: `POST /{page-id}/feed` with the Page token (Graph API).

Codes (Meta's error-handling guide): 190 an expired or revoked token, and 10 / 200-299 a
missing permission: the admin must give a new token (NeedsNewToken); 4, 17, 32, 613 and 80001
rate limits (RetryLater); 506 "Duplicate status message": the same text is already on the Page,
so look for the post carrying the bulletin's link and answer its id. The Graph API has no
idempotency key: `find_existing` reads the Page's latest posts for the revision's link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings

from ..models import ChannelAccount, ChannelKey
from . import http
from .accounts import errors_recorded, load_account
from .base import ChannelError, NeedsNewToken, Permanent, RetryLater

if TYPE_CHECKING:
    from ..models import Revision

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001})
TRANSIENT_CODES = frozenset({1, 2})  # "unknown error", "service temporarily unavailable"
DUPLICATE_CODE = 506


def post_text(revision: Revision) -> str:
    """The post's text: title, summary, the correction note of a correction, and the link (the
    link is what find_existing looks for, so it is always in the text)."""
    parts = [revision.title, revision.summary]
    if revision.is_correction and revision.correction_note:
        parts.insert(0, f"[Đính chính] {revision.correction_note}")
    parts.append(revision.public_url)
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


class FacebookPage:
    key = ChannelKey.FACEBOOK.value

    def __init__(self, *, account: ChannelAccount, credentials: dict[str, Any]) -> None:
        self.account = account
        self.page_id = str(credentials.get("page_id", ""))
        self.token = str(credentials.get("page_token", ""))

    @classmethod
    def from_account(cls) -> FacebookPage:
        account, credentials = load_account(cls.key)
        return cls(account=account, credentials=credentials)

    def _url(self, edge: str) -> str:
        base = getattr(settings, "FACEBOOK_GRAPH_BASE", "https://graph.facebook.com").rstrip("/")
        version = getattr(settings, "FACEBOOK_GRAPH_VERSION", "v23.0")
        return f"{base}/{version}/{self.page_id}/{edge}"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, *, revision: Revision) -> str:
        with errors_recorded(self.account):
            try:
                return self._publish(revision)
            except DuplicatePost:
                found = self.find_existing(revision=revision)
                if found:
                    return found
                raise Permanent(
                    "Facebook báo bài trùng nhưng không thấy bài mang đường dẫn này", code="506"
                ) from None

    def _publish(self, revision: Revision) -> str:
        form = {"message": post_text(revision), "link": revision.public_url}
        status, body = http.call("POST", self._url("feed"), headers=self._headers(), form=form)
        if status == 200 and isinstance(body, dict) and body.get("id"):
            return str(body["id"])
        self._raise(status, body)

    def find_existing(self, *, revision: Revision) -> str | None:
        link = revision.public_url
        query = {"fields": "id,message,created_time", "limit": "25"}
        pages = int(getattr(settings, "FACEBOOK_FIND_PAGES", 4))
        for _page in range(pages):
            status, body = http.call("GET", self._url("feed"), headers=self._headers(), query=query)
            if status != 200:
                try:
                    self._raise(status, body)
                except DuplicatePost:  # not an answer a read gives
                    return None
            for item in body.get("data", []):
                if link in (item.get("message") or ""):
                    return str(item["id"])
            after = (body.get("paging") or {}).get("cursors", {}).get("after")
            if not after:
                return None
            query["after"] = after
        return None

    def _raise(self, status: int, body: Any) -> NoReturn:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            raise RetryLater(f"Facebook HTTP {status}", code=str(status), maybe_delivered=True)
        code = int(error.get("code") or 0)
        message = str(error.get("message") or "")
        if code == 190 or code == 10 or 200 <= code <= 299:
            raise NeedsNewToken(f"Facebook: {message}", code=str(code))
        if code in RATE_LIMIT_CODES:
            after = int(getattr(settings, "FACEBOOK_RATE_LIMIT_WAIT", 600))
            raise RetryLater(f"Facebook: {message}", code=str(code), after_seconds=after)
        if code == DUPLICATE_CODE:
            raise DuplicatePost(message, code=str(code))
        if code in TRANSIENT_CODES or status >= 500:
            raise RetryLater(f"Facebook: {message}", code=str(code), maybe_delivered=True)
        raise Permanent(f"Facebook: {message}", code=str(code))


class DuplicatePost(ChannelError):
    """Internal: Facebook answered 506; post() turns it into the existing post's id."""
