"""The demo workshop: the national AI readiness validation workshop, from the report.

``flask consult seed-demo`` calls :func:`seed_demo`; running it again changes nothing.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from consult import demo_content as content
from consult.access import find_event
from consult.accounts.models import Role, User
from consult.accounts.operations import create_user
from consult.agenda.models import Item, ItemKind, Round, Section
from consult.events.models import Event, EventStatus
from consult.events.operations import create_event, set_team_role
from consult.extensions import db

DEMO_JOIN_CODE = "KH7Q2P"
DEMO_USERS = (("admin", Role.admin), ("facilitator", Role.facilitator),
              ("analyst", Role.analyst))
CREDENTIALS_FILE = "demo-credentials.txt"


@dataclass
class SeedResult:
    event: Event
    created_event: bool
    #: Passwords of the staff accounts created by this run (name → password).
    passwords: dict[str, str] = field(default_factory=dict)


def seed_demo(instance_path: str) -> SeedResult:
    """Create the demo event and staff accounts unless they exist (caller commits)."""
    event = find_event(DEMO_JOIN_CODE)
    created = event is None
    if created:
        event = _create_demo_event()
    passwords = {}
    for username, role in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            password = secrets.token_urlsafe(12)
            user = create_user(username, password, role, display_name=username.capitalize())
            passwords[username] = password
        if role != Role.admin and not any(m.user_id == user.id for m in event.team):
            set_team_role(event, user, role.value, actor=None)
    if passwords:
        _write_credentials(Path(instance_path) / CREDENTIALS_FILE, passwords)
    return SeedResult(event=event, created_event=created, passwords=passwords)


def _create_demo_event() -> Event:
    info = content.EVENT
    event = create_event(
        join_code=DEMO_JOIN_CODE,
        status=EventStatus.live,
        default_locale="km",
        khmer_digits=True,  # one digit system on every Khmer screen (ជុំទី១, ៥ ចំណុច, ៦០%)
        timezone="Asia/Phnom_Penh",
        **{k: info[k] for k in ("title_en", "title_km", "description_en", "description_km",
                                "venue_en", "venue_km")},
    )
    findings = content.FINDINGS
    section = Section(event=event, position=1, key="F", title_en=findings["title_en"],
                      title_km=findings["title_km"])
    round_ = Round(event=event, position=1, title_en=findings["round_title_en"],
                   title_km=findings["round_title_km"])
    for n, statement in enumerate(findings["statements"], start=1):
        _add_item(event, section, round_, n, n, code=statement["key"], kind=ItemKind.agreement,
                  prompt_en=statement["prompt_en"], prompt_km=statement["prompt_km"],
                  detail_en=statement["detail_en"], detail_km=statement["detail_km"])
    for s_pos, pillar in enumerate(content.PILLARS, start=2):
        section = Section(event=event, position=s_pos, key=pillar["key"],
                          title_en=pillar["title_en"], title_km=pillar["title_km"])
        round_ = Round(event=event, position=s_pos, title_en=pillar["round_title_en"],
                       title_km=pillar["round_title_km"])
        pos = 0
        for rec in pillar["recommendations"]:
            pos += 1
            _add_item(event, section, round_, pos, pos, code=f"{rec['key']}-A",
                      kind=ItemKind.agreement, prompt_en=rec["text_en"], prompt_km=rec["text_km"],
                      detail_en=rec["detail_en"], detail_km=rec["detail_km"])
            pos += 1
            _add_item(event, section, round_, pos, pos, code=f"{rec['key']}-P",
                      kind=ItemKind.priority, prompt_en=rec["priority_prompt_en"],
                      prompt_km=rec["priority_prompt_km"], allow_comment=False)
    db.session.flush()
    return event


def _add_item(event, section, round_, position, round_position, **fields) -> Item:
    item = Item(event=event, section=section, round=round_, position=position,
                round_position=round_position, **fields)
    db.session.add(item)
    return item


def _write_credentials(path: Path, passwords: dict[str, str]) -> None:
    """Append the new demo passwords to a file only the owner can read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        for username, password in passwords.items():
            fh.write(f"{username}\t{password}\n")
