"""A fake Zalo Official Account on loopback: the OAuth v4 token endpoint and the OpenAPI calls the
Zalo client makes, answering in Zalo's documented shapes (CHANNELS.md), errors included.

- OAuth: `POST /v4/oa/access_token` (header `secret_key`, form `app_id`, `grant_type`,
  `refresh_token`); a refresh token works once (reused: -14020, HTTP 200 with `error`).
- OpenAPI (header `access_token`): an unknown or expired token answers -216.
  `/v2.0/article/create` answers a token; `/v2.0/article/verify` answers the article id after
  `verify_polls` calls; `/v2.0/article/getslice` lists articles; `/v2.0/oa/message` broadcasts
  an article; `/v2.0/oa/quota/message` tells the quota left; `/v3.0/oa/user/getlist` lists
  followers; `/v3.0/oa/message/promotion` sends one follower a message.
- `fail_next(path_part, error, message)` makes the next call whose path contains `path_part`
  answer that error (-224 tier, -211 out of quota, -32 rate limit, ...); `expire_token()`
  makes the current access token expired.

`articles`, `broadcasts`, `messages` and `refreshes` record what the client did.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from ._server import FakeService, Reply, Request

MESSAGES = {
    -216: "Access token is invalid",
    -224: "OA tier does not support this feature",
    -211: "Out of quota",
    -32: "Exceed request limit",
    -201: "Parameters are invalid",
    -213: "User has not followed OA",
    -14020: "Refresh token is invalid or has been used",
    -14014: "Invalid app secret",
}


def zalo_error(code: int, message: str = "") -> Reply:
    return Reply(200, {"error": code, "message": message or MESSAGES.get(code, "Error")})


def ok(data: Any) -> Reply:
    return Reply(200, {"error": 0, "message": "Success", "data": data})


class FakeZalo(FakeService):
    def __init__(
        self,
        *,
        port: int = 0,
        app_id: str = "2001",
        secret_key: str = "APP-SECRET",  # noqa: S107 (a fake's own test value)
        access_token: str = "ZALO-ACCESS-1",  # noqa: S107 (a fake's own test value)
        refresh_token: str = "ZALO-REFRESH-1",  # noqa: S107 (a fake's own test value)
        followers: int = 3,
        verify_polls: int = 2,
        quota: int = 2000,
    ) -> None:
        super().__init__(port=port)
        self.app_id, self.secret_key = app_id, secret_key
        self.access_token, self.refresh_token = access_token, refresh_token
        self.followers = [f"user-{n:04d}" for n in range(1, followers + 1)]
        self.verify_polls = verify_polls
        self.quota = quota
        self.articles: list[dict[str, Any]] = []
        self.broadcasts: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.refreshes: list[str] = []
        self._pending: dict[str, dict[str, Any]] = {}
        self._failures: list[tuple[str, int, str]] = []
        self._ids = itertools.count(1)
        self.route("POST", "/v4/oa/access_token", self._token)
        self.route("POST", "/v2.0/article/create", self._create)
        self.route("POST", "/v2.0/article/verify", self._verify)
        self.route("GET", "/v2.0/article/getslice", self._slice)
        self.route("POST", "/v2.0/oa/message", self._broadcast)
        self.route("POST", "/v2.0/oa/quota/message", self._quota)
        self.route("GET", "/v3.0/oa/user/getlist", self._followers)
        self.route("POST", "/v3.0/oa/message/promotion", self._promotion)

    def fail_next(self, path_part: str, error: int, message: str = "", *, times: int = 1) -> None:
        with self.lock:
            self._failures.extend([(path_part, error, message)] * times)

    def expire_token(self) -> None:
        self.access_token = "expired-" + secrets.token_hex(4)

    def _injected(self, request: Request) -> Reply | None:
        for index, (part, error, message) in enumerate(self._failures):
            if part in request.path:
                del self._failures[index]
                return zalo_error(error, message)
        return None

    def _token(self, request: Request, _values: dict[str, str]) -> Reply:
        form = request.form
        if (
            request.headers.get("secret_key") != self.secret_key
            or form.get("app_id") != self.app_id
        ):
            return Reply(200, _oauth_error(-14014))
        if (
            form.get("grant_type") != "refresh_token"
            or form.get("refresh_token") != self.refresh_token
        ):
            return Reply(200, _oauth_error(-14020))
        self.refreshes.append(self.refresh_token)
        serial = len(self.refreshes) + 1
        self.access_token = f"ZALO-ACCESS-{serial}-{secrets.token_hex(4)}"
        self.refresh_token = f"ZALO-REFRESH-{serial}-{secrets.token_hex(4)}"
        body = {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_in": "90000",
        }
        return Reply(200, body)

    def _api(self, request: Request) -> Reply | None:
        if request.headers.get("access_token") != self.access_token:
            return zalo_error(-216)
        return self._injected(request)

    def _create(self, request: Request, _values: dict[str, str]) -> Reply:
        refused = self._api(request)
        if refused:
            return refused
        body = request.json or {}
        if not body.get("title") or not body.get("body") or body.get("type") != "normal":
            return zalo_error(-201)
        token = secrets.token_hex(8)
        self._pending[token] = {"article": body, "polls": 0}
        return ok({"token": token})

    def _verify(self, request: Request, _values: dict[str, str]) -> Reply:
        refused = self._api(request)
        if refused:
            return refused
        pending = self._pending.get((request.json or {}).get("token", ""))
        if pending is None:
            return zalo_error(-201, "Token is invalid")
        pending["polls"] += 1
        if pending["polls"] < self.verify_polls:
            return ok({"status": "processing"})
        if "id" not in pending:
            article = pending["article"]
            pending["id"] = f"article-{next(self._ids)}"
            self.articles.append({"id": pending["id"], **article})
        return ok({"id": pending["id"]})

    def _slice(self, request: Request, _values: dict[str, str]) -> Reply:
        refused = self._api(request)
        if refused:
            return refused
        offset, limit = int(request.query.get("offset", 0)), int(request.query.get("limit", 10))
        newest_first = list(reversed(self.articles))
        medias = [
            {"id": a["id"], "title": a["title"], "description": a.get("description", "")}
            for a in newest_first[offset : offset + min(limit, 10)]
        ]
        return ok({"medias": medias, "total": len(self.articles)})

    def _broadcast(self, request: Request, _values: dict[str, str]) -> Reply:
        refused = self._api(request)
        if refused:
            return refused
        body = request.json or {}
        elements = body.get("message", {}).get("attachment", {}).get("payload", {})
        elements = elements.get("elements") or []
        known = {a["id"] for a in self.articles}
        if not elements or elements[0].get("attachment_id") not in known:
            return zalo_error(-201, "Article not found")
        self.broadcasts.append(body)
        return ok({"message_id": f"broadcast-{len(self.broadcasts)}"})

    def _quota(self, request: Request, _values: dict[str, str]) -> Reply:
        refused = self._api(request)
        if refused:
            return refused
        return ok({"total": 2000, "remain": self.quota})

    def _followers(self, request: Request, _values: dict[str, str]) -> Reply:
        refused = self._api(request)
        if refused:
            return refused
        import json

        query = json.loads(request.query.get("data") or "{}")
        offset, count = int(query.get("offset", 0)), min(int(query.get("count", 50)), 50)
        users = [{"user_id": u} for u in self.followers[offset : offset + count]]
        return ok(
            {"total": len(self.followers), "count": len(users), "offset": offset, "users": users}
        )

    def _promotion(self, request: Request, _values: dict[str, str]) -> Reply:
        refused = self._api(request)
        if refused:
            return refused
        body = request.json or {}
        user = body.get("recipient", {}).get("user_id")
        if user not in self.followers:
            return zalo_error(-213)
        if self.quota <= 0:
            return zalo_error(-211)
        self.quota -= 1
        message_id = f"msg-{next(self._ids)}"
        self.messages.append({"message_id": message_id, **body})
        return ok({"message_id": message_id, "user_id": user})


def _oauth_error(code: int) -> dict[str, Any]:
    return {"error": code, "error_name": "Invalid parameter", "error_description": MESSAGES[code]}
