"""A JSON HTTP server on loopback in a thread (stdlib http.server), the base of the fake Zalo
and Facebook services of the tests: routes, a log of every request, injected errors and delays."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    json: Any = None


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[Request, dict[str, str]], Reply]


class FakeService:
    """Subclasses add routes with `route(method, pattern, handler)`; a pattern's `{name}` parts
    match one path segment and reach the handler as keyword values."""

    def __init__(self, *, port: int = 0) -> None:
        self._routes: list[tuple[str, list[str], Route]] = []
        self.lock = threading.RLock()
        self.requests: list[Request] = []
        self._delays: list[tuple[str, float]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner._handle(self, "GET")

            def do_POST(self) -> None:
                owner._handle(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet tests

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        # A short poll: shutdown() waits for the loop to look, half a second by default, and
        # every test that starts a fake pays it when the fake stops.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def route(self, method: str, pattern: str, handler: Route) -> None:
        self._routes.append((method, pattern.strip("/").split("/"), handler))

    def delay_next(self, path_part: str, seconds: float) -> None:
        """The next request whose path contains `path_part` is handled (and recorded) at once,
        but answered only after `seconds`: the client times out on a post that did arrive."""
        with self.lock:
            self._delays.append((path_part, seconds))

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        parts = path.strip("/").split("/")
        for route_method, pattern, handler in self._routes:
            if route_method != method or len(pattern) != len(parts):
                continue
            values: dict[str, str] = {}
            for want, got in zip(pattern, parts, strict=True):
                if want.startswith("{") and want.endswith("}"):
                    values[want[1:-1]] = got
                elif want != got:
                    break
            else:
                return handler, values
        return None

    def _take_delay(self, path: str) -> float:
        with self.lock:
            for index, (part, seconds) in enumerate(self._delays):
                if part in path:
                    del self._delays[index]
                    return seconds
        return 0.0

    def _handle(self, http: BaseHTTPRequestHandler, method: str) -> None:
        request = _read_request(http, method)
        with self.lock:
            self.requests.append(request)
            found = self._match(method, request.path)
            if found is None:
                reply = Reply(404, {"error": {"message": f"Unknown path {request.path}"}})
            else:
                handler, values = found
                reply = handler(request, values)
        delay = self._take_delay(request.path)
        if delay:
            time.sleep(delay)
        payload = json.dumps(reply.body).encode()
        try:
            http.send_response(reply.status)
            http.send_header("Content-Type", "application/json; charset=UTF-8")
            http.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                http.send_header(name, value)
            http.end_headers()
            http.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)


def _read_request(http: BaseHTTPRequestHandler, method: str) -> Request:
    split = urlsplit(http.path)
    query = {k: v[-1] for k, v in parse_qs(split.query).items()}
    length = int(http.headers.get("Content-Length") or 0)
    body = http.rfile.read(length) if length else b""
    headers = {k.lower(): v for k, v in http.headers.items()}
    request = Request(method=method, path=split.path, query=query, headers=headers, body=body)
    content_type = headers.get("content-type", "")
    if "json" in content_type and body:
        request.json = json.loads(body)
    elif body:
        request.form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
    return request
