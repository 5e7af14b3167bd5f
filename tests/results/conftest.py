"""Fixtures the results tests share: the hand-computed workshop and a signed-in analyst."""

from __future__ import annotations

import pytest

from consult.accounts.models import Role
from consult.extensions import db
from tests.conftest import login
from tests.results import workshop_fixture


@pytest.fixture
def fx(app, make):
    """The workshop of tests/results/workshop_fixture.py, whose figures are worked by hand."""
    return workshop_fixture.build(make)


@pytest.fixture
def analyst(client, make):
    """An analyst signed in on ``client``, reading pages in English."""
    user = make.user(Role.analyst)
    db.session.commit()
    login(client, user)
    client.post("/language", data={"lang": "en", "next": "/"})
    return user
