"""The address phones can reach: PUBLIC_URL, else this machine's LAN address."""

from __future__ import annotations

import functools
import socket

from flask import Flask

#: TEST-NET-1 (RFC 5737): connecting a UDP socket sends nothing, it only picks a route.
_PROBE_ADDRESS = ("192.0.2.1", 9)


@functools.lru_cache(maxsize=1)
def lan_address() -> str | None:
    """Return this machine's outward IPv4 address, or None when there is no network."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(_PROBE_ADDRESS)
            address = sock.getsockname()[0]
    except OSError:
        address = None
    if address and not address.startswith("127.") and address != "0.0.0.0":  # noqa: S104 - a check, not a bind
        return address
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            candidate = info[4][0]
            if not candidate.startswith("127."):
                return candidate
    except OSError:
        pass
    return None


def public_base_url(app: Flask, port: int | None = None) -> str:
    """Return the base URL for QR codes and printed links (never localhost if avoidable)."""
    configured = app.config.get("PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    port = port or int(app.config.get("PORT", 8000))
    host = lan_address() or "127.0.0.1"
    return f"http://{host}" if port == 80 else f"http://{host}:{port}"
