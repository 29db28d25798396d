"""A reference client for the privacy-preserving check (see lookup/hashes.py).

    client = PrivateClient("https://canhgiac.example.vn")
    result = client.check_url("http://vcb-xac-thuc.com/dang-nhap")
    result.listed, result.matches

What leaves the machine: 4-byte SHA-256 prefixes of the URL's Safe Browsing expressions (and of
its social-profile expression, for a profile link). Never the URL, never a full hash. The
server's full hashes are compared here.

A client that keeps a local copy of the prefixes (sync(), then sync() again now and then to
apply the changes since its version) asks the server only about URLs with a prefix in the copy:
for almost every URL, nothing is sent at all.

Standard library only (urllib), so that the module can be copied into other programs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict, cast

from indicators.social import PLATFORM_HOSTS, social_profile
from indicators.urlcanon import canonical_parts, full_hash, url_expressions

PREFIX_BYTES = 4
SEARCH_PATH = "/api/lookup/hashes:search"
LIST_PATH = "/api/lookup/hash-list"


class SearchJson(TypedDict):
    hash_prefixes: list[str]


class FullHashJson(TypedDict):
    full_hash: str
    kind: str
    category: str


class FoundJson(TypedDict):
    full_hashes: list[FullHashJson]


class HashListJson(TypedDict, total=False):
    list_version: int
    reset: bool
    prefixes: str
    additions: str
    removals: str
    sha256: str


# (method, url, body or None, headers) -> (status, body)
Transport = Callable[[str, str, bytes | None, dict[str, str]], tuple[int, bytes]]


def urllib_transport(timeout: float = 10.0) -> Transport:
    def send(
        method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 (the caller's own server)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    return send


class ServerError(Exception):
    pass


def expressions(url: str) -> list[str]:
    """What a URL is checked as: its Safe Browsing expressions, and on a social network the
    profile it names ("social_profile:facebook.com/x"), as the server's list stores them."""
    result = url_expressions(url)
    if canonical_parts(url).host in PLATFORM_HOSTS:
        try:
            profile = social_profile(url)
        except ValueError:
            profile = None
        if profile:
            result.append(f"social_profile:{profile}")
    return result


@dataclass
class Match:
    expression: str
    kind: str
    category: str


@dataclass
class PrivateResult:
    url: str
    listed: bool
    matches: list[Match] = field(default_factory=list)
    prefixes_sent: int = 0
    asked_server: bool = False


@dataclass
class LocalList:
    version: int
    prefixes: set[bytes]

    def sha256(self) -> str:
        return hashlib.sha256(b"".join(sorted(self.prefixes))).hexdigest()


def _split(data: str) -> set[bytes]:
    raw = base64.b64decode(data)
    return {raw[i : i + PREFIX_BYTES] for i in range(0, len(raw), PREFIX_BYTES)}


class PrivateClient:
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        transport: Transport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.transport = transport or urllib_transport()
        self.local: LocalList | None = None

    def _call(self, method: str, path: str, payload: SearchJson | None = None) -> object:
        headers = {"Accept": "application/json"}
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["X-Api-Key"] = self.api_key
        status, data = self.transport(method, self.base_url + path, body, headers)
        if status != 200:
            raise ServerError(f"{method} {path}: HTTP {status}: {data[:200]!r}")
        return json.loads(data)

    def _list(self, path: str) -> HashListJson:
        # The server's answer, as its schema (lookup.api.HashListOut) documents it.
        return cast(HashListJson, self._call("GET", path))

    def sync(self) -> LocalList:
        """Fetch the prefix list, or the changes since the version held; a copy whose SHA-256
        differs from the server's after the changes is replaced by the whole list."""
        if self.local is not None:
            answer = self._list(f"{LIST_PATH}?since={self.local.version}")
            if not answer["reset"]:
                prefixes = (self.local.prefixes - _split(answer["removals"])) | _split(
                    answer["additions"]
                )
                candidate = LocalList(answer["list_version"], prefixes)
                if candidate.sha256() == answer["sha256"]:
                    self.local = candidate
                    return candidate
        answer = self._list(LIST_PATH)
        self.local = LocalList(answer["list_version"], _split(answer["prefixes"]))
        return self.local

    def check_url(self, url: str) -> PrivateResult:
        by_hash = {full_hash(e): e for e in expressions(url)}
        prefixes = {h[:PREFIX_BYTES] for h in by_hash}
        if self.local is not None:
            prefixes &= self.local.prefixes
        result = PrivateResult(url=url, listed=False, prefixes_sent=len(prefixes))
        if not prefixes:
            return result
        payload: SearchJson = {
            "hash_prefixes": [base64.b64encode(p).decode() for p in sorted(prefixes)]
        }
        # The server's answer, as its schema (lookup.api.HashSearchOut) documents it.
        answer = cast(FoundJson, self._call("POST", SEARCH_PATH, payload))
        result.asked_server = True
        for item in answer["full_hashes"]:
            expression = by_hash.get(base64.b64decode(item["full_hash"]))
            if expression is not None:
                result.matches.append(Match(expression, item["kind"], item["category"]))
        result.listed = bool(result.matches)
        return result
