"""WSGI entry point: ``python -m consult.server`` (what ``make run`` starts) serves ``wsgi:app``."""

from consult import create_app

app = create_app()
