"""The address phones can reach: PUBLIC_URL, else this machine's LAN address and the port the
server listens on.

The port is the one the request came in on (WSGI ``SERVER_PORT``): granian, gunicorn and
werkzeug take it from the listening socket, not from the Host header, so ``make run PORT=8080``,
``python -m consult.server --port 9000`` and ``flask run -p 5001`` all print the port phones
must use, with no setting to keep in step. Behind a proxy phones reach another address: set PUBLIC_URL.
"""

from __future__ import annotations

import functools
import socket

from flask import Flask, has_request_context, request

#: The port the server listens on unless told otherwise (``PORT``, ``--port``).
DEFAULT_PORT = 8000
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


def listening_port() -> int:
    """Return the port of the server socket this request arrived on."""
    if not has_request_context():
        raise RuntimeError("Outside a request the server's port is unknown: pass it.")
    port = str(request.environ.get("SERVER_PORT") or "")
    return int(port) if port.isdigit() else 80


def public_base_url(app: Flask, port: int | None = None) -> str:
    """Return the base URL for QR codes and printed links (never localhost if avoidable).

    PUBLIC_URL when set; else ``http://<LAN address>:<port>``, the port being ``port`` when
    given (the ``urls`` command, before the server starts) or the one this request came in on.
    """
    configured = app.config.get("PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    if port is None:
        port = listening_port()
    host = lan_address() or "127.0.0.1"
    return f"http://{host}" if port == 80 else f"http://{host}:{port}"


def public_url(endpoint: str, port: int | None = None, **values) -> str:
    """The address phones open for ``endpoint`` (a join link, a resume link): the base URL of
    ``public_base_url`` and the endpoint's path."""
    from flask import current_app, url_for

    return public_base_url(current_app, port) + url_for(endpoint, **values)
