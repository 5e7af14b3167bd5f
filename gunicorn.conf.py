"""gunicorn settings for ``make run``; every value can be overridden by environment."""

import os

from gunicorn.glogging import Logger

#: QR codes and printed links carry the port of the socket each request came in on (WSGI
#: SERVER_PORT, consult/network.py), so whatever is bound here or by --bind is what phones get.
bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
#: Chosen from measurements on a 2-core laptop (docs/benchmarks.md, "Server configuration"):
#: 3 processes × 4 threads answered 10-20 % more than 2 × 8 and kept the load even across
#: processes; threads (not sync workers) so a phone on slow Wi-Fi never holds a whole process.
#: The app keeps no state in a process, so more processes are safe.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
#: Shorter than the phones' 3-second poll: an idle phone does not hold a connection slot, so
#: 10,000 phones fit in 3 × 1,000 worker connections and new connections spread over processes.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "2"))
worker_connections = int(os.environ.get("GUNICORN_CONNECTIONS", "1000"))
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"


class RedactingLogger(Logger):
    """gunicorn's logger, minus secrets: no resume token (/r/…), query string or cookie.

    The access log's request line, path and Referer lose them (consult/logs.py), and so does
    every line of the error log (gunicorn names the URL of a request that failed).
    """

    def setup(self, cfg):
        from consult.logs import add_redacting_filter

        super().setup(cfg)  # run again on a reload: one filter is enough
        add_redacting_filter(self.error_log)

    def atoms(self, resp, req, environ, request_time):
        from consult.logs import redact_atoms

        return redact_atoms(super().atoms(resp, req, environ, request_time))


logger_class = RedactingLogger
