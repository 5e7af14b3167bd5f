"""gunicorn settings for the benchmarks' comparison with ``make run``'s server (granian).

These are the settings ``make run`` used until granian replaced it (docs/benchmarks.md,
"Choosing the server"); every value can be overridden by environment.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
#: Shorter than the phones' 3-second poll: an idle phone does not hold a connection slot.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "2"))
worker_connections = int(os.environ.get("GUNICORN_CONNECTIONS", "1000"))
errorlog = "-"
