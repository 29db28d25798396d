"""JSON over HTTPS for the channel clients (stdlib urllib: two small APIs need no library),
with the failures the outbox must tell apart mapped to the errors of base.py."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from .base import RetryLater


def timeout() -> float:
    return float(getattr(settings, "CHANNELS_HTTP_TIMEOUT", 15))


def call(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    json_body: Any = None,
    query: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """(HTTP status, decoded JSON body). A timeout or a dropped connection after the request was
    sent raises RetryLater(maybe_delivered=True); a refused connection, maybe_delivered=False."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an HTTP address: {url}")
    if query:
        url = f"{url}?{urlencode(query)}"
    data = None
    all_headers = {"Accept": "application/json", **(headers or {})}
    if form is not None:
        data = urlencode(form).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif json_body is not None:
        data = json.dumps(json_body).encode()
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)  # noqa: S310 (scheme checked above)
    try:
        # The scheme is checked above: only http(s) addresses from settings reach here.
        with urllib.request.urlopen(request, timeout=timeout()) as response:  # noqa: S310
            return response.status, _decode(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _decode(exc.read())
    except TimeoutError as exc:
        raise RetryLater(f"timeout: {url}", code="timeout", maybe_delivered=True) from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise RetryLater(f"timeout: {url}", code="timeout", maybe_delivered=True) from exc
        refused = isinstance(reason, ConnectionRefusedError)
        raise RetryLater(str(reason), code="network", maybe_delivered=not refused) from exc
    except (ConnectionError, OSError) as exc:
        raise RetryLater(str(exc), code="network", maybe_delivered=True) from exc


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {"raw": raw[:500].decode(errors="replace")}
