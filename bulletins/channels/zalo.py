"""The Zalo Official Account channel: an article (create, then verify until Zalo has processed
it), then either a broadcast of the article to followers or, where the OA's tier has no
broadcast, a message to each follower, within Zalo's quotas.

Tokens (OAuth v4): the access token lasts about 25 hours; it is refreshed with the refresh
token when it is about to expire or when Zalo answers -216. A refresh token works once, so the
new pair is stored in one write, under a row lock: two workers never spend the same one.

Quotas (Zalo OA support pages, CHANNELS.md): a broadcast reaches each follower at most once a
day and 4 times a month (calendar day and month, Asia/Ho_Chi_Minh; both are settings); proactive
messages have a monthly allowance that `/v2.0/oa/quota/message` reports. Out of quota, the post
waits (RetryLater until the next day or month).

The post's id is the article's id; `find_existing` looks for the article whose description
carries the revision's link, and `post` reuses such an article instead of creating a second.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import ChannelAccount, ChannelKey, ZaloFollowerMessage
from . import http
from .accounts import errors_recorded
from .base import NeedsNewToken, Permanent, RetryLater

if TYPE_CHECKING:
    from ..models import Revision

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
TOKEN_EXPIRED = -216
OUT_OF_QUOTA = -211
RATE_LIMITED = -32  # too many requests: a short wait, not the quota's hour
SKIP_FOLLOWER_CODES = frozenset({-213, -201, -230})  # unfollowed, outside the window
REFRESH_MARGIN = 300  # seconds before expiry when the access token is renewed


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _api_base() -> str:
    return str(_setting("ZALO_API_BASE", "https://openapi.zalo.me")).rstrip("/")


class ZaloOA:
    key = ChannelKey.ZALO.value

    def __init__(self, *, account: ChannelAccount, credentials: dict[str, Any]) -> None:
        self.account = account
        self.credentials = credentials

    @classmethod
    def from_account(cls) -> ZaloOA:
        from .accounts import load_account

        account, credentials = load_account(cls.key)
        return cls(account=account, credentials=credentials)

    # Posting -------------------------------------------------------------------------------

    def post(self, *, revision: Revision) -> str:
        with errors_recorded(self.account):
            return self._post(revision)

    def _post(self, revision: Revision) -> str:
        broadcast = self.credentials.get("mode", "broadcast") == "broadcast"
        if broadcast:
            self._check_broadcast_quota()
        article_id = self.find_existing(revision=revision) or self._create_article(revision)
        if broadcast:
            self._broadcast(article_id)
        else:
            self._message_followers(revision, article_id)
        return article_id

    def find_existing(self, *, revision: Revision) -> str | None:
        link = revision.public_url
        for page in range(int(_setting("ZALO_FIND_PAGES", 5))):
            query = {"offset": str(page * 10), "limit": "10", "type": "normal"}
            body = self._api("GET", "/v2.0/article/getslice", query=query)
            medias = (body.get("data") or {}).get("medias") or []
            for media in medias:
                if link in (media.get("description") or ""):
                    return str(media["id"])
            if len(medias) < 10:
                return None
        return None

    def _article(self, revision: Revision) -> dict[str, Any]:
        site = str(_setting("SITE_URL", "")).rstrip("/")
        cover = _setting("ZALO_COVER_URL", f"{site}/static/bulletins/cover.png")
        note = revision.correction_note if revision.is_correction else ""
        intro = f"[Đính chính] {note} " if note else ""
        body = [{"type": "text", "content": revision.body_html or revision.summary}]
        body.append({"type": "text", "content": f"Xem đầy đủ: {revision.public_url}"})
        return {
            "type": "normal",
            "title": revision.title[:150],
            "author": revision.bulletin.unit.name[:50],
            "cover": {"cover_type": "photo", "photo_url": cover, "status": "show"},
            # The link stays whole (find_existing looks for it): the summary gives way.
            "description": f"{intro}{revision.summary}"[: 290 - len(revision.public_url)]
            + f" {revision.public_url}",
            "body": body,
            "status": "show",
            "comment": "show",
        }

    def _create_article(self, revision: Revision) -> str:
        token = self.account.pending_articles.get(str(revision.pk))
        if not token:
            body = self._api("POST", "/v2.0/article/create", json_body=self._article(revision))
            token = (body.get("data") or {}).get("token")
            if not token:
                raise Permanent("Zalo: không nhận được mã bài viết", code="no_token")
            self._remember_pending(revision, token)
        attempts = int(_setting("ZALO_VERIFY_ATTEMPTS", 10))
        interval = float(_setting("ZALO_VERIFY_INTERVAL", 2.0))
        for _attempt in range(attempts):
            verified = self._api("POST", "/v2.0/article/verify", json_body={"token": token})
            article_id = (verified.get("data") or {}).get("id")
            if article_id:
                self._remember_pending(revision, None)
                return str(article_id)
            time.sleep(interval)
        # Zalo has the article and may finish it later: the retry asks about the same token.
        raise RetryLater("Zalo: bài viết chưa xử lý xong", code="verify", maybe_delivered=True)

    def _remember_pending(self, revision: Revision, token: str | None) -> None:
        with transaction.atomic():
            account = ChannelAccount.objects.select_for_update().get(pk=self.account.pk)
            pending = dict(account.pending_articles)
            if token:
                pending[str(revision.pk)] = token
            else:
                pending.pop(str(revision.pk), None)
            account.pending_articles = pending
            account.save(update_fields=["pending_articles"])
        self.account.pending_articles = pending

    # Broadcast and quotas ------------------------------------------------------------------

    def _check_broadcast_quota(self) -> None:
        # Read again: another worker may have broadcast since this object was made.
        times = ChannelAccount.objects.values_list("broadcast_times", flat=True).get(
            pk=self.account.pk
        )
        wait = broadcast_wait(times, now=timezone.now())
        if wait:
            raise RetryLater(
                "Zalo: đã hết lượt gửi cho người quan tâm (ngày/tháng)",
                code="quota",
                after_seconds=wait,
            )

    def _broadcast(self, article_id: str) -> None:
        target = self.credentials.get("broadcast_target") or {}
        message = {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "media",
                    "elements": [{"media_type": "article", "attachment_id": article_id}],
                },
            }
        }
        body = {"recipient": {"target": target}, "message": message}
        self._api("POST", "/v2.0/oa/message", json_body=body)
        with transaction.atomic():
            account = ChannelAccount.objects.select_for_update().get(pk=self.account.pk)
            account.broadcast_times = [*account.broadcast_times, timezone.now().isoformat()][-40:]
            account.save(update_fields=["broadcast_times"])
            self.account.broadcast_times = account.broadcast_times

    def _message_followers(self, revision: Revision, article_id: str) -> None:
        done = set(
            ZaloFollowerMessage.objects.filter(revision=revision).values_list("user_id", flat=True)
        )
        quota = self._api("POST", "/v2.0/oa/quota/message", json_body={})
        remain = int((quota.get("data") or {}).get("remain", 0))
        for user_id in self._followers():
            if user_id in done:
                continue
            if remain <= 0:
                raise RetryLater("Zalo: hết hạn mức tin nhắn", code="quota", after_seconds=21600)
            self._send_one(revision, user_id)
            remain -= 1

    def _send_one(self, revision: Revision, user_id: str) -> None:
        payload = {
            "template_type": "promotion",
            "elements": [
                {"type": "header", "content": revision.title[:100]},
                {"type": "text", "align": "left", "content": revision.summary[:250]},
            ],
            "buttons": [
                {
                    "title": "Xem chi tiết",
                    "type": "oa.open.url",
                    "payload": {"url": revision.public_url},
                }
            ],
        }
        message = {"attachment": {"type": "template", "payload": payload}}
        body = {"recipient": {"user_id": user_id}, "message": message}
        answer = self._api("POST", "/v3.0/oa/message/promotion", json_body=body, skip=True)
        if answer.get("error", 0) != 0:
            return  # the person stopped following: nothing to send them
        message_id = str((answer.get("data") or {}).get("message_id", ""))
        ZaloFollowerMessage.objects.get_or_create(
            revision=revision, user_id=user_id, defaults={"message_id": message_id}
        )

    def send_cs(self, *, user_id: str, message: dict[str, Any]) -> dict[str, Any]:
        """A customer-service message (the tipline's answers, inside the interaction window):
        Zalo's answer; a refusal for this person (SKIP_FOLLOWER_CODES: not following, outside
        the window) comes back with its `error` instead of raising."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        with errors_recorded(self.account):
            return self._api("POST", "/v3.0/oa/message/cs", json_body=body, skip=True)

    def _followers(self) -> list[str]:
        users: list[str] = []
        offset = 0
        while True:
            query = {"data": json.dumps({"offset": offset, "count": 50, "is_follower": "true"})}
            data = self._api("GET", "/v3.0/oa/user/getlist", query=query).get("data") or {}
            page = [str(u["user_id"]) for u in data.get("users") or []]
            users.extend(page)
            offset += len(page)
            if not page or offset >= int(data.get("total", 0)):
                return users

    # Calls and tokens ----------------------------------------------------------------------

    def _api(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        query: dict[str, str] | None = None,
        skip: bool = False,
    ) -> dict[str, Any]:
        """One OpenAPI call; -216 refreshes the token and tries once more. With `skip`, a
        follower-level refusal (SKIP_FOLLOWER_CODES) comes back instead of raising."""
        for attempt in range(2):
            token = self._access_token()
            headers = {"access_token": token}
            url = _api_base() + path
            status, body = http.call(method, url, headers=headers, json_body=json_body, query=query)
            if status >= 500:
                raise RetryLater(f"Zalo HTTP {status}", code=str(status), maybe_delivered=True)
            if not isinstance(body, dict) or status != 200:
                raise Permanent(f"Zalo HTTP {status}", code=str(status))
            code = int(body.get("error") or 0)
            if code == TOKEN_EXPIRED and attempt == 0:
                self._refresh(used=token)
                continue
            if code == 0 or (skip and code in SKIP_FOLLOWER_CODES):
                return body
            _raise_for(code, str(body.get("message") or ""))
        raise NeedsNewToken("Zalo: mã truy cập bị từ chối sau khi cấp lại", code="-216")

    def _access_token(self) -> str:
        expires_at = float(self.credentials.get("access_expires_at") or 0)
        token = str(self.credentials.get("access_token") or "")
        if not token or (expires_at and expires_at - REFRESH_MARGIN < time.time()):
            return self._refresh(used=token)
        return token

    def _refresh(self, *, used: str) -> str:
        """A new access token (and refresh token), stored together under the row lock; if
        another worker refreshed meanwhile, its token is used and the refresh token kept."""
        with transaction.atomic():
            account = ChannelAccount.objects.select_for_update().get(pk=self.account.pk)
            credentials = account.credentials()
            if credentials.get("access_token") and credentials["access_token"] != used:
                self.credentials = credentials
                return str(credentials["access_token"])
            answer = self._ask_for_token(credentials)
            credentials.update(
                access_token=answer["access_token"],
                refresh_token=answer.get("refresh_token", credentials.get("refresh_token")),
                access_expires_at=time.time() + int(answer.get("expires_in") or 90000),
            )
            account.set_credentials(credentials)
            account.save(update_fields=["credentials_encrypted"])
        self.account.credentials_encrypted = account.credentials_encrypted
        self.credentials = credentials
        return str(credentials["access_token"])

    def _ask_for_token(self, credentials: dict[str, Any]) -> dict[str, Any]:
        oauth = str(_setting("ZALO_OAUTH_BASE", "https://oauth.zaloapp.com")).rstrip("/")
        form = {
            "app_id": str(credentials.get("app_id", "")),
            "grant_type": "refresh_token",
            "refresh_token": str(credentials.get("refresh_token", "")),
        }
        headers = {"secret_key": str(credentials.get("secret_key", ""))}
        status, body = http.call("POST", f"{oauth}/v4/oa/access_token", headers=headers, form=form)
        if status >= 500:
            raise RetryLater(f"Zalo OAuth HTTP {status}", code=str(status))
        if not isinstance(body, dict) or not body.get("access_token"):
            detail = body.get("error_description") if isinstance(body, dict) else ""
            code = str(body.get("error", status)) if isinstance(body, dict) else str(status)
            raise NeedsNewToken(f"Zalo không cấp lại mã truy cập: {detail}", code=code)
        return body


def _raise_for(code: int, message: str) -> NoReturn:
    if code == OUT_OF_QUOTA:
        wait = int(_setting("ZALO_QUOTA_WAIT", 3600))
        raise RetryLater(f"Zalo: {message}", code=str(code), after_seconds=wait)
    if code == RATE_LIMITED:
        wait = int(_setting("ZALO_RATE_LIMIT_WAIT", 60))
        raise RetryLater(f"Zalo: {message}", code=str(code), after_seconds=wait)
    if code == TOKEN_EXPIRED:
        raise NeedsNewToken(f"Zalo: {message}", code=str(code))
    raise Permanent(f"Zalo: {message}", code=str(code))


def broadcast_wait(times: list[str], *, now: datetime) -> int:
    """Seconds until the next broadcast is allowed (0: now), from the times of the earlier
    ones: at most ZALO_BROADCASTS_PER_DAY a calendar day and ZALO_BROADCASTS_PER_MONTH a
    calendar month, in Asia/Ho_Chi_Minh."""
    local = now.astimezone(LOCAL)
    sent = [datetime.fromisoformat(t).astimezone(LOCAL) for t in times]
    this_month = [t for t in sent if (t.year, t.month) == (local.year, local.month)]
    today = [t for t in this_month if t.date() == local.date()]
    if len(this_month) >= int(_setting("ZALO_BROADCASTS_PER_MONTH", 4)):
        first_next = (local.replace(day=1) + timedelta(days=32)).replace(day=1)
        start = first_next.replace(hour=0, minute=0, second=0, microsecond=0)
        return max(1, int((start - local).total_seconds()) + 60)
    if len(today) >= int(_setting("ZALO_BROADCASTS_PER_DAY", 1)):
        tomorrow = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return max(1, int((tomorrow - local).total_seconds()) + 60)
    return 0
