"""A fake Facebook Graph API for one Page, on loopback: `POST /v{N}/{page-id}/feed` and
`GET /v{N}/{page-id}/feed`, answering as Meta documents (CHANNELS.md), errors included:

- a wrong or revoked Page token: code 190 (OAuthException, HTTP 400);
- `fail_next(code)`: the next post fails with that code (4, 17, 32, 613 rate limits, 190, ...);
- the same message posted twice: code 506 "Duplicate status message", as the real Page does;
- `delay_next("feed", s)`: the post is stored but the answer comes late (a client timeout).

`posts` lists what was published, newest last.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from typing import Any

from ._server import FakeService, Reply, Request

ERROR_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    100: "(#100) Invalid parameter",
    190: "Error validating access token: Session has expired",
    200: "(#200) Requires pages_manage_posts permission",
    506: "(#506) Duplicate status message",
    613: "(#613) Calls to this api have exceeded the rate limit.",
}


def error_reply(code: int, *, subcode: int | None = None, status: int = 400) -> Reply:
    error: dict[str, Any] = {
        "message": ERROR_MESSAGES.get(code, f"(#{code}) Error"),
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": secrets.token_urlsafe(8),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    if code == 190:
        error["error_user_title"] = "Token expired"
        error["error_user_msg"] = "The Page access token has expired."
    return Reply(status, {"error": error})


class FakeFacebook(FakeService):
    def __init__(
        self,
        *,
        port: int = 0,
        page_id: str = "1122334455",
        token: str = "PAGE-TOKEN",  # noqa: S107 (a fake's own test value)
    ) -> None:
        super().__init__(port=port)
        self.page_id = page_id
        self.token = token
        self.posts: list[dict[str, Any]] = []
        self._failures: list[tuple[int, int | None]] = []
        self._ids = itertools.count(900001)
        self._clock = itertools.count(1_767_200_000, 60)
        self.route("POST", "/{version}/{page}/feed", self._publish)
        self.route("GET", "/{version}/{page}/feed", self._feed)

    def fail_next(self, code: int, *, subcode: int | None = None, times: int = 1) -> None:
        with self.lock:
            self._failures.extend([(code, subcode)] * times)

    def revoke_token(self) -> None:
        self.token = "revoked-" + secrets.token_hex(4)

    def _authorised(self, request: Request) -> bool:
        given = request.form.get("access_token") or request.query.get("access_token", "")
        bearer = request.headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            given = bearer[7:]
        return given == self.token

    def _check(self, request: Request, values: dict[str, str]) -> Reply | None:
        if not values["version"].startswith("v"):
            return error_reply(2500, status=400)
        if values["page"] != self.page_id:
            return error_reply(100)
        if not self._authorised(request):
            return error_reply(190, subcode=463)
        return None

    def _publish(self, request: Request, values: dict[str, str]) -> Reply:
        refused = self._check(request, values)
        if refused:
            return refused
        if self._failures:
            code, subcode = self._failures.pop(0)
            return error_reply(code, subcode=subcode)
        message = request.form.get("message", "")
        if not message and not request.form.get("link"):
            return error_reply(100)
        if any(p["message"] == message for p in self.posts):
            return error_reply(506)
        post = {
            "id": f"{self.page_id}_{next(self._ids)}",
            "message": message,
            "link": request.form.get("link", ""),
            "created_time": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(next(self._clock))),
        }
        self.posts.append(post)
        usage = {"call_count": len(self.posts), "total_cputime": 1, "total_time": 1}
        return Reply(200, {"id": post["id"]}, {"X-App-Usage": json.dumps(usage)})

    def _feed(self, request: Request, values: dict[str, str]) -> Reply:
        refused = self._check(request, values)
        if refused:
            return refused
        limit = min(int(request.query.get("limit", "25")), 100)
        newest_first = list(reversed(self.posts))
        start = int(request.query.get("after") or 0)
        page = newest_first[start : start + limit]
        fields = request.query.get("fields", "id").split(",")
        data = [{k: v for k, v in p.items() if k in fields} for p in page]
        body: dict[str, Any] = {"data": data}
        if start + limit < len(newest_first):
            body["paging"] = {"cursors": {"after": str(start + limit)}}
        return Reply(200, body)
