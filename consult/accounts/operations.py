"""Staff accounts and the audit trail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role, User
from consult.errors import ConsultError
from consult.extensions import db
from consult.timeutil import utcnow

MIN_PASSWORD_LENGTH = 10


def record(action: str, *, user: User | None = None, event_id: int | None = None,
           target=None, target_type: str | None = None, target_id: int | None = None,
           **details) -> AuditEntry:
    """Add an audit entry for ``action`` (flushed with the caller's transaction)."""
    entry = AuditEntry(
        action=action,
        user_id=user.id if user is not None else None,
        event_id=event_id,
        target_type=target.__tablename__ if target is not None else target_type,
        target_id=target.id if target is not None else target_id,
        details=details,
    )
    db.session.add(entry)
    return entry


def create_user(username: str, password: str, role: Role | str, *, display_name: str = "",
                actor: User | None = None) -> User:
    """Create a staff account; refuse a taken name or a short password."""
    username = username.strip().lower()
    if not username or len(username) > 80:
        raise ConsultError(_l("A user name is required (at most 80 characters)."))
    try:
        role = Role(role)
    except ValueError:
        raise ConsultError(_l("Unknown role.")) from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConsultError(
            _l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ConsultError(_l("This user name is taken."))
    user = User(username=username, role=role, display_name=display_name or username)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user.create", user=actor, target=user, username=username, role=role.value)
    return user


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, recording the login."""
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active or not user.check_password(password):
        record("user.login_failed", username=username.strip().lower()[:80])
        return None
    user.last_login_at = utcnow()
    record("user.login", user=user, target=user)
    return user
