"""The client's address behind reverse proxies.

Behind nginx every request comes from the proxy's address, so REMOTE_ADDR alone would put the
whole province in one rate-limit bucket. X-Forwarded-For carries the real address, but anyone
can send that header: only the entries that our own proxies appended can be believed. So the
chain is read from the right (the nearest hop first), each address that belongs to a trusted
proxy (CANHGIAC_TRUSTED_PROXIES, addresses or networks) is skipped, and the first one that does
not is the client. With no trusted proxy configured, X-Forwarded-For is ignored.

A header that cannot be read (garbage, a port, too many hops) never makes us believe anything
the sender wrote: we stop at the last address we could trust, which is at worst the proxy's.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# A longer chain is not a real deployment (two or three proxies at most): stop reading there.
MAX_HOPS = 20


@lru_cache(maxsize=8)
def parse_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """'10.0.0.1', '10.0.0.0/8', '::1' as networks; a wrong entry is an error at start-up (the
    deploy check reports it), never silently ignored."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def trusted_networks() -> tuple[Network, ...]:
    return parse_networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


# Every request reads its peer's address (and behind a proxy its X-Forwarded-For entries):
# ipaddress parsing took most of the time of a lookup's client address, and the same few
# addresses come again and again. Bounded, so forged entries cannot grow it.
@lru_cache(maxsize=4096)
def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:4711"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:4711"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client seen by an IPv6 socket: the same client as its IPv4 form.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: Iterable[Network]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def resolve(remote_addr: str, forwarded_for: str, networks: tuple[Network, ...]) -> str | None:
    """The client's address from the peer's address and the X-Forwarded-For header; None when
    the peer has no address (a request built in code, such as the test client's login)."""
    peer = _address(remote_addr)
    if peer is None:
        return None
    if not networks or not _trusted(peer, networks) or not forwarded_for:
        return str(peer)
    client = peer
    hops = forwarded_for.split(",")
    for entry in reversed(hops[-MAX_HOPS:]):
        address = _address(entry)
        if address is None:  # unreadable: believe nothing further left
            return str(client)
        client = address
        if not _trusted(address, networks):
            return str(address)
    # Every hop was one of ours (or the chain was too long to read to its end).
    return str(client)


def client_address(request: HttpRequest) -> str | None:
    """The address rate limits and lock-outs count (see the module's text), or None: axes
    stores it in an address column, which takes no placeholder such as "unknown"."""
    meta = request.META
    return resolve(
        meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", ""), trusted_networks()
    )
