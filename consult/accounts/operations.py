"""Staff accounts and the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role, User
from consult.errors import ConsultError
from consult.extensions import db
from consult.timeutil import utcnow


class AccountError(ConsultError):
    """A refused account change, naming the form field at fault (``username``, ``role``…)."""

    def __init__(self, message, field: str | None = None, status_code: int | None = None):
        super().__init__(message, status_code)
        self.field = field


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
        raise AccountError(_l("A user name is required (at most 80 characters)."), "username")
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(_l("Unknown role."), "role") from None
    check_new_password(password, username)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(_l("This user name is taken."), "username")
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


# --- Staff management (admin): the one-time password, activity, role -------------------------

#: Letters and digits a person reads out or types without confusing them (no 0/o, 1/l/i).
_READABLE_CHARACTERS = "abcdefghjkmnpqrstuvwxyz23456789"
#: A one-time password is this many groups of four, joined by dashes: about 79 bits.
_PASSWORD_GROUPS = 4


def one_time_password() -> str:
    """A random password to hand over once (``k7mp-2xqa-r9tw-h3ne``), strong by any rule."""
    import secrets

    while True:
        password = "-".join("".join(secrets.choice(_READABLE_CHARACTERS) for _ in range(4))
                            for _ in range(_PASSWORD_GROUPS))
        try:
            check_new_password(password, "")
        except ConsultError:  # pragma: no cover - about one in 10^12 draws
            continue
        return password


def _active_admins() -> list[User]:
    """The active administrators, locked until the transaction ends (two admins acting at
    once cannot both remove the last one)."""
    return list(db.session.scalars(
        select(User).where(User.role == Role.admin, User.active.is_(True))
        .order_by(User.id).with_for_update()))


def _refuse_last_admin(user: User) -> None:
    if user.role == Role.admin and user.active and [a.id for a in _active_admins()] == [user.id]:
        raise ConsultError(_l("%(name)s is the last active administrator: make another "
                              "administrator first.", name=user.username))


def create_staff(username: str, role: Role | str, *, display_name: str = "",
                 event_ids: list[int] = (), actor: User | None) -> tuple[User, str]:
    """Create a staff account with a one-time password, on the given events' teams.

    Returns the account and its password, which is stored only as a hash: the caller shows it
    once. An administrator works on every event, so ``event_ids`` is ignored for one.
    """
    from consult.events.models import Event
    from consult.events.operations import set_team_role

    password = one_time_password()
    user = create_user(username, password, role, display_name=display_name.strip(), actor=actor)
    if user.role != Role.admin:
        for event_id in event_ids:
            event = db.session.get(Event, event_id)
            if event is None:
                raise AccountError(_l("This event does not exist any more."), "events")
            set_team_role(event, user, user.role.value, actor)
    return user, password


def reset_password(user: User, *, actor: User | None) -> str:
    """Give ``user`` a new one-time password and end their sessions; return the password."""
    if actor is not None and user.id == actor.id:
        raise ConsultError(_l("Change your own password on the page for it."))
    password = one_time_password()
    user.set_password(password)
    user.end_sessions()
    record("user.password_reset", user=actor, target=user, username=user.username)
    return password


def set_active(user: User, active: bool, *, actor: User | None) -> None:
    """Deactivate (ending every session) or reactivate a staff account.

    Refused for one's own account and for the last active administrator: the server would
    be left with nobody to manage it.
    """
    if user.active == active:
        return
    if not active:
        if actor is not None and user.id == actor.id:
            raise ConsultError(_l("You cannot deactivate your own account."))
        _refuse_last_admin(user)
        user.end_sessions()
    user.active = active
    db.session.flush()
    record("user.reactivate" if active else "user.deactivate", user=actor, target=user,
           username=user.username)


def change_role(user: User, role: Role | str, *, actor: User | None) -> list[str]:
    """Give ``user`` another role; return the join codes of the teams they left.

    An administrator works on every event, so a new administrator leaves every team (their
    rows would only confuse the team lists); one who stops being admin is on no team until an
    administrator adds them. Refused for one's own account (another admin decides) and for the
    last active administrator.
    """
    from consult.events.models import Event, EventStaff

    try:
        role = Role(role)
    except ValueError:
        raise AccountError(_l("Unknown role."), "role") from None
    if user.role == role:
        return []
    if actor is not None and user.id == actor.id:
        raise ConsultError(_l("Another administrator must change your role."))
    if user.role == Role.admin:
        _refuse_last_admin(user)
    left: list[str] = []
    if role == Role.admin:
        rows = db.session.execute(
            select(EventStaff, Event.join_code).join(Event, Event.id == EventStaff.event_id)
            .where(EventStaff.user_id == user.id).order_by(Event.join_code)).all()
        for member, code in rows:
            left.append(code)
            db.session.delete(member)
    before = user.role
    user.role = role  # read on every request: the new role holds from their next page on
    db.session.flush()
    record("user.role", user=actor, target=user, username=user.username, before=before.value,
           after=role.value, **({"teams_left": left} if left else {}))
    return left
