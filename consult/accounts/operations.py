"""Staff accounts and the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role, User
from consult.errors import ConsultError
from consult.extensions import db
from consult.timeutil import utcnow

MIN_PASSWORD_LENGTH = 10
#: zxcvbn's score (0–4) a staff password needs: 3 is "safely unguessable" (about 10^8 guesses
#: and more), which rules out common passwords, keyboard runs and repeats.
MIN_PASSWORD_SCORE = 3
#: A user name this long or longer may not appear anywhere in the password (shorter ones,
#: "ana", would refuse honest passwords that happen to contain them; equality still counts).
MIN_NAME_IN_PASSWORD = 4


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


def check_new_password(password: str, username: str) -> None:
    """Refuse a password a new or changed account may not have (the one rule for both).

    At least ``MIN_PASSWORD_LENGTH`` characters, not the user name nor containing it, and
    not obviously guessable: zxcvbn's estimate (dictionary words, names, keyboard patterns,
    repeats, dates, the user name) must reach ``MIN_PASSWORD_SCORE``. Ten spaces passed before.
    """
    from zxcvbn import zxcvbn

    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConsultError(
            _l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )
    name = username.strip().lower()
    folded = password.lower()
    if name and (folded.strip() == name or (len(name) >= MIN_NAME_IN_PASSWORD and name in folded)):
        raise ConsultError(_l("The password must not contain the user name."))
    # zxcvbn refuses more than 72 characters (its time grows fast with length): they tell enough.
    if zxcvbn(password[:72], user_inputs=[name] if name else [])["score"] < MIN_PASSWORD_SCORE:
        raise ConsultError(_l("This password is too easy to guess. Use a longer one: several "
                              "unrelated words, or a mix of words, digits and signs."))


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
    check_new_password(password, username)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ConsultError(_l("This user name is taken."))
    user = User(username=username, role=role, display_name=display_name or username)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user.create", user=actor, target=user, username=username, role=role.value)
    return user


def user_by_name(username: str) -> User | None:
    """The staff account of a user name, typed any case and with spaces around it."""
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


def authenticate(username: str, password: str, *, now: datetime | None = None) -> User | None:
    """Return the active user with these credentials, recording the login."""
    now = now or utcnow()
    user = user_by_name(username)
    if user is None or not user.active or not user.check_password(password):
        _record_failed_login(username.strip().lower()[:80], user, now)
        return None
    user.last_login_at = now
    record("user.login", user=user, target=user)
    return user


def _record_failed_login(username: str, user: User | None, now: datetime) -> AuditEntry:
    """Count a failed sign-in in the account's audit entry of this minute.

    One entry per account and minute, with the count and the last attempt in its details: a
    script's thousand guesses stay a few rows, and the trail still says who was tried, when,
    and how often.
    """
    minute = now.replace(second=0, microsecond=0)
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "user.login_failed", AuditEntry.event_id.is_(None),
            AuditEntry.created_at >= minute, AuditEntry.created_at < minute + timedelta(minutes=1),
            AuditEntry.details["username"].as_string() == username,
        ).order_by(AuditEntry.id).limit(1).with_for_update())
    if entry is None:
        entry = record("user.login_failed", target=user, username=username, count=1,
                       last_at=now.isoformat())
        entry.created_at = now
    else:
        entry.details = {**entry.details, "count": entry.details.get("count", 1) + 1,
                         "last_at": now.isoformat()}
    return entry


def sign_out(user: User) -> None:
    """End every session of ``user`` (this cookie and any copy of it), and record it."""
    user.end_sessions()
    record("user.logout", user=user, target=user)


def change_password(user: User, password: str, *, actor: User | None = None) -> None:
    """Give ``user`` a new password and end all their sessions (the caller may start one)."""
    check_new_password(password, user.username)
    user.set_password(password)
    user.end_sessions()
    record("user.password", user=actor, target=user)
