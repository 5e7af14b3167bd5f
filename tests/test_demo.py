"""The demo workshop: content from the report, complete in Khmer, idempotent."""

from __future__ import annotations

import re

from sqlalchemy import func, select, text

from consult.accounts.models import User
from consult.agenda.models import Item, ItemKind, Round, Section
from consult.demo import DEMO_JOIN_CODE, seed_demo
from consult.events.models import Event, Sector
from consult.extensions import db

KHMER = re.compile(r"[\u1780-\u17FF]")


def _snapshot() -> dict[str, list]:
    """Every row of every table, for comparing before and after."""
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name == "audit_entries":
            continue
        rows[table.name] = [tuple(r) for r in db.session.execute(
            select(table).order_by(*table.primary_key.columns)).all()]
    return rows


def test_seed_demo_creates_the_workshop(app):
    result = seed_demo(app.instance_path)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Event)) == 1
    event = result.event
    assert event.join_code == DEMO_JOIN_CODE
    assert event.title_en == "Cambodia AI Readiness Assessment — National Validation Workshop"
    assert db.session.scalar(select(func.count()).select_from(Sector)) == 6
    sections = db.session.scalars(select(Section).order_by(Section.position)).all()
    assert len(sections) == 6  # findings + five pillars
    pillars = sections[1:]
    agreement = [i for s in pillars for i in s.items if i.kind == ItemKind.agreement]
    priority = [i for s in pillars for i in s.items if i.kind == ItemKind.priority]
    assert len(agreement) == 16 and len(priority) == 16
    assert [len(s.items) // 2 for s in pillars] == [3, 2, 4, 4, 3]
    assert len(sections[0].items) == 5
    assert all(i.kind == ItemKind.agreement for i in sections[0].items)
    rounds = db.session.scalars(select(Round).order_by(Round.position)).all()
    assert len(rounds) == 6
    for section, round_ in zip(sections, rounds, strict=True):
        assert [i.id for i in round_.items] == [i.id for i in section.items]


def test_every_khmer_field_is_khmer_and_differs_from_english(app):
    seed_demo(app.instance_path)
    db.session.commit()
    checked = 0
    for model, fields in ((Event, ("title", "description", "venue")), (Sector, ("label",)),
                          (Section, ("title",)), (Round, ("title",)), (Item, ("prompt",))):
        for obj in db.session.scalars(select(model)):
            for field in fields:
                km, en = getattr(obj, f"{field}_km"), getattr(obj, f"{field}_en")
                assert km and KHMER.search(km), (model.__name__, field, obj.id)
                assert km != en
                checked += 1
    for item in db.session.scalars(select(Item).where(Item.detail_en != "")):
        assert KHMER.search(item.detail_km) and item.detail_km != item.detail_en
    assert checked == 3 + 6 + 6 + 6 + 37


def test_second_seed_changes_no_row(app):
    seed_demo(app.instance_path)
    db.session.commit()
    before = _snapshot()
    result = seed_demo(app.instance_path)
    db.session.commit()
    assert not result.created_event and result.passwords == {}
    assert _snapshot() == before


def test_seed_prints_passwords_once_and_keeps_them(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["consult", "seed-demo"])
    assert first.exit_code == 0, first.output
    credentials = (app.instance_path + "/demo-credentials.txt")
    with open(credentials, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["admin", "facilitator", "analyst"]
    for line in lines:
        name, password = line.split("\t")
        assert password in first.output
        user = db.session.scalar(select(User).where(User.username == name))
        assert user.check_password(password)
    second = runner.invoke(args=["consult", "seed-demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    assert not any(line.split("\t")[1] in second.output for line in lines)
    assert db.session.execute(text("SELECT count(*) FROM users")).scalar() == 3
