"""A bare Flask hello-world: the workshop benchmark's ratio baseline.

Served by the server under test with the same settings, in the same run, as the app
(``python -m consult.server --app benchmarks.hello_app:app`` for ``make run``'s). ``/healthz`` answers
too, so the harness's readiness probe works unchanged.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
@app.get("/healthz")
def hello():
    """Say ok."""
    return "ok"
