"""gunicorn settings for ``make run``; every value can be overridden by environment."""

import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
#: Worker processes: the app keeps no state in a process, so more is safe.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
#: Threads per worker: phones mostly wait on the network, not the CPU.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
