"""Time helpers: the database keeps naive UTC datetimes."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time as a naive UTC datetime (how columns store it)."""
    return datetime.now(UTC).replace(tzinfo=None)
