"""Voiding a participant (a test phone, a duplicate): their answers leave every figure — the
results page, the item pages, the console, the projector, the workbook, the CSV recounted —
the raw responses stay listed with a mark, and all comes back on restore."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role
from consult.extensions import db
from consult.participants.models import Gender, Participant
from consult.results import queries
from consult.results.verify import verify_workbook
from consult.voting.models import ResponseChoice
from tests.conftest import login
from tests.results import test_same_figures as same
from tests.results import workshop_fixture


def _pick(make, person, item, codes, ranked=False):
    response = make.response(person, item, None)
    by_code = {o.code: o.id for o in item.options}
    for rank, code in enumerate(codes, start=1):
        db.session.add(ResponseChoice(response_id=response.id, option_id=by_code[code],
                                      rank=rank if ranked else None))


@pytest.fixture
def fx(app, make):
    """The hand-computed workshop of tests/results (its figures: ``same.EXPECTED``), and a
    test phone that answered every item differently and joined in its own group."""
    fx = workshop_fixture.build(make)
    p = fx.people
    for name, code in {"g3": "a", "g4": "a", "a2": "b", "a3": "c"}.items():
        _pick(make, p[name], fx.items["C1"], [code])
    _pick(make, p["c2"], fx.items["K1"], ["c"], ranked=True)
    phone = make.participant(fx.event, sector=fx.event.sectors[0], gender=Gender.woman)
    make.response(phone, fx.items["A1"], 1, comment="test comment")
    make.response(phone, fx.items["P1"], 1)
    _pick(make, phone, fx.items["C1"], ["c"])
    _pick(make, phone, fx.items["M1"], ["a", "c"])
    _pick(make, phone, fx.items["K1"], ["c", "a"], ranked=True)
    make.response(phone, fx.items["A2"], 1)
    fx.phone = phone
    fx.facilitator = make.user(Role.facilitator)
    fx.analyst = make.user(Role.analyst)
    db.session.commit()
    return fx


def _void(client, fx, reason="Test phone of the facilitator"):
    return client.post(f"/staff/events/{fx.event.id}/attendees/{fx.phone.id}/void",
                       data={"reason": reason})


def _restore(client, fx, reason="It was a real participant"):
    return client.post(f"/staff/events/{fx.event.id}/attendees/{fx.phone.id}/restore",
                       data={"reason": reason})


def _every_surface(app, fx):
    """Every figure of every surface, as a reader gets it, against the hand-computed ones."""
    client = app.test_client()
    login(client, fx.analyst)
    client.post("/language", data={"lang": "en", "next": "/"})
    same.test_results_page(client, fx, fx.analyst)
    same.test_item_pages(client, fx, fx.analyst)
    same.test_workbook_writes_the_same_figures(client, fx, fx.analyst)
    _csv_figures(client, fx)


def _live_surfaces(app, fx):
    client = app.test_client()
    login(client, fx.analyst)
    client.post("/language", data={"lang": "en", "next": "/"})
    same.test_console_and_projector(client, fx, fx.analyst)


def _csv_rows(client, fx) -> list[dict]:
    body = client.get(f"/staff/events/{fx.event.id}/export.csv").get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))


def _csv_figures(client, fx):
    """The CSV recounted by hand, leaving out the rows marked voided, gives every figure."""
    counted = [r for r in _csv_rows(client, fx) if r["voided"] != "yes"]
    for code, want in same.EXPECTED.items():
        values = [r["value"] for r in counted if r["item_code"] == code]
        assert len(values) == want["n"], code
        if code in ("A1", "P1"):
            assert Counter(int(v) for v in values) == want["counts"], code
        else:
            sep = ">" if code == "K1" else ";"
            assert Counter(c for v in values for c in v.split(sep) if c) == want["counts"], code


def test_a_voided_participant_changes_no_figure_and_comes_back_on_restore(app, client, fx):
    joined = queries.joined_count(fx.event.id)
    # Counted, the test phone changes the figures (so the checks below can tell).
    with pytest.raises(AssertionError):
        _every_surface(app, fx)
    login(client, fx.facilitator)
    response = _void(client, fx)
    assert response.status_code == 302
    _every_surface(app, fx)
    assert queries.joined_count(fx.event.id) == joined - 1
    # The raw responses keep the test phone's rows, marked.
    rows = _csv_rows(client, fx)
    mine = [r for r in rows if r["participant"] == fx.phone.public_code]
    assert len(mine) == 6 and {r["voided"] for r in mine} == {"yes"}
    assert {r["voided"] for r in rows if r not in mine} == {""}
    # Restored, they count again.
    assert _restore(client, fx).status_code == 302
    with pytest.raises(AssertionError):
        _every_surface(app, fx)
    assert queries.joined_count(fx.event.id) == joined


def test_the_console_and_projector_leave_a_voided_participant_out(app, client, fx):
    login(client, fx.facilitator)
    assert _void(client, fx).status_code == 302
    _live_surfaces(app, fx)


def test_the_workbook_lists_the_voided_answers_marked_and_still_verifies(app, client, fx,
                                                                           tmp_path):
    login(client, fx.facilitator)
    assert _void(client, fx).status_code == 302
    response = client.get(f"/staff/events/{fx.event.id}/export.xlsx?lang=en")
    path = tmp_path / "results.xlsx"
    path.write_bytes(response.data)
    wb = load_workbook(path)
    sheet = [list(r) for r in wb["Responses"].iter_rows(values_only=True)]
    head = sheet[0]
    participant, voided = head.index("Participant"), head.index("Voided")
    marks = {r[voided] for r in sheet[1:] if r[participant] == fx.phone.public_code}
    assert marks == {"yes"}
    assert {r[voided] for r in sheet[1:] if r[participant] != fx.phone.public_code} == {None}
    # The comments sheet is a figure sheet: the voided comment is not in it.
    comments = [c for row in wb["Comments"].iter_rows(values_only=True) for c in row]
    assert "test comment" not in comments
    assert verify_workbook(str(path)).matches


def test_void_and_restore_are_audited_with_their_reason(client, fx):
    login(client, fx.facilitator)
    assert _void(client, fx, "duplicate").status_code == 302
    db.session.expire_all()
    phone = db.session.get(Participant, fx.phone.id)
    assert phone.is_voided and phone.void_reason == "duplicate"
    assert phone.voided_by_id == fx.facilitator.id
    page = client.get(f"/staff/events/{fx.event.id}/attendees/{fx.phone.id}")
    assert "Voided on" in page.get_data(as_text=True)
    # Twice is refused; so is a restore without a reason.
    assert _void(client, fx).status_code == 409
    response = _restore(client, fx, "")
    assert response.status_code == 400 and "Please say why." in response.get_data(as_text=True)
    assert _restore(client, fx, "not a duplicate").status_code == 302
    assert _restore(client, fx).status_code == 409
    entries = db.session.execute(select(AuditEntry.action, AuditEntry.target_id,
                                        AuditEntry.details, AuditEntry.user_id)
                                 .where(AuditEntry.action.like("attendee.%"))
                                 .order_by(AuditEntry.id)).all()
    assert [(a, t, d, u) for a, t, d, u in entries] == [
        ("attendee.void", fx.phone.id, {"reason": "duplicate"}, fx.facilitator.id),
        ("attendee.restore", fx.phone.id, {"reason": "not a duplicate"}, fx.facilitator.id),
    ]
    db.session.expire_all()
    assert not db.session.get(Participant, fx.phone.id).is_voided


def test_a_void_needs_a_reason(client, fx):
    login(client, fx.facilitator)
    response = _void(client, fx, "   ")
    assert response.status_code == 400
    db.session.expire_all()
    assert not db.session.get(Participant, fx.phone.id).is_voided


@pytest.mark.parametrize("role", [Role.analyst, Role.clerk])
def test_neither_analysts_nor_clerks_void(client, fx, make, role):
    user = make.user(role)
    db.session.commit()
    login(client, user)
    assert _void(client, fx).status_code == 403
    assert _restore(client, fx).status_code == 403
    db.session.expire_all()
    assert not db.session.get(Participant, fx.phone.id).is_voided
