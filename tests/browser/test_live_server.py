"""The browser tests' server itself: a browser that drops a connection leaves nothing open.

A context closed while Chromium still fetches the favicon resets the connection. werkzeug then
fails while draining the request and skips the response's close(), so the static file stays open
and its ResourceWarning turns into an error in whichever test the garbage collector runs next.
"""

from __future__ import annotations

import gc
import socket
import struct
import time
import warnings

from .conftest import LiveServer


def test_a_reset_connection_leaves_no_file_open(app):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with LiveServer(app) as server:
            for _ in range(30):
                phone = socket.create_connection(("127.0.0.1", server.server.server_port))
                phone.sendall(b"GET /static/favicon.svg HTTP/1.1\r\nHost: consult\r\n\r\n")
                assert phone.recv(12).startswith(b"HTTP/1.1 200")
                # Closing with SO_LINGER 0 sends a reset, as a closed browser context does.
                phone.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                phone.close()
            time.sleep(0.3)  # the handler threads see the resets
        gc.collect()
    leaked = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaked == []
