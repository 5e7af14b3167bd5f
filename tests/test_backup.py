"""``flask consult backup`` during a workshop: votes stream in while the copy is made.

A plain copy of ``consult.db`` while voting missed what was still in the WAL (0.74 s of votes).
The backup must open, pass SQLite's integrity check and hold every vote acknowledged before it
began; the votes meanwhile must all be acknowledged (none refused because of the backup).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from consult.database import default_backup_path, prune_backups
from consult.extensions import db
from consult.voting.models import Response
from tests.conftest import IS_POSTGRES
from tests.helpers import as_participant, workshop

VOTERS = 8
ITEMS = 12


def _voting_room(app, make):
    """An open round of ``ITEMS`` items and ``VOTERS`` signed-in phones (test clients)."""
    from consult.agenda.models import ItemKind

    event, _, items = workshop(make, kinds=(ItemKind.agreement,) * ITEMS)
    phones = []
    for _ in range(VOTERS):
        participant = make.participant(event)
        db.session.commit()
        client = app.test_client()
        as_participant(client, participant)
        phones.append((client, participant.id))
    urls = [(f"/e/{event.join_code}/items/{item.id}/answer", f"item-{item.id}", item.id)
            for item in items]
    return phones, urls


def _stream_votes(phones, urls, acks: list, stop: threading.Event, errors: list):
    """Each phone answers every item once, as fast as it can; acks get (participant, item, t)."""

    def phone(client, participant_id):
        for url, field, item_id in urls:
            if stop.is_set():
                return
            sent = time.monotonic()
            response = client.post(url, data={field: "4"}, headers={"Accept": "application/json"})
            done = time.monotonic()
            if response.status_code == 200 and response.json.get("saved"):
                acks.append((participant_id, item_id, sent, done))
            else:
                errors.append((response.status_code, response.get_data(as_text=True)[:200]))

    threads = [threading.Thread(target=phone, args=p, daemon=True) for p in phones]
    for thread in threads:
        thread.start()
    return threads


@pytest.mark.skipif(IS_POSTGRES, reason="the SQLite online backup (PostgreSQL: the pg_dump test)")
def test_a_backup_under_load_holds_every_vote_acknowledged_before_it(app, make, tmp_path):
    phones, urls = _voting_room(app, make)
    acks: list = []
    errors: list = []
    stop = threading.Event()
    threads = _stream_votes(phones, urls, acks, stop, errors)
    guard = time.monotonic() + 60
    while len(acks) < VOTERS * ITEMS // 3:  # a third of the votes are in: back up now
        assert time.monotonic() < guard and not errors, errors
        time.sleep(0.005)
    before = {(p, i) for p, i, _, done in list(acks)}
    out = tmp_path / "during.db"
    began = time.monotonic()
    result = app.test_cli_runner().invoke(args=["consult", "backup", "--out", str(out)])
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads)
    assert result.exit_code == 0, result.output
    assert errors == []  # no vote refused or lost while the backup ran
    assert len(acks) == VOTERS * ITEMS
    # Votes went on once the backup had begun. (Not "after it ended": on a busy CI machine the
    # backup may outlast the last votes, and that is no failure.)
    assert any(done > began for _, _, _, done in acks)
    assert str(out) in result.output and "integrity check: ok" in result.output
    assert re.search(r"\(\d+\.\d (kB|MB), copied in \d+\.\d\d s", result.output)

    copy = sqlite3.connect(out)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = set(copy.execute("SELECT participant_id, item_id FROM responses"))
    finally:
        copy.close()
    assert before <= stored  # every vote acknowledged before the backup began
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert not list(tmp_path.glob(".*partial"))  # the half-written file is gone


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite file")
def test_a_restored_backup_serves_the_app(app, make, tmp_path, other_app):
    """Restore as docs/deploy.md says (the backup file becomes the database): it works."""
    phones, urls = _voting_room(app, make)
    client, _ = phones[0]
    url, field, _ = urls[0]
    assert client.post(url, data={field: "5"}, headers={"Accept": "application/json"}).json["saved"]
    out = tmp_path / "b.db"
    assert app.test_cli_runner().invoke(args=["consult", "backup", "--out", str(out)]).exit_code == 0
    restored = tmp_path / "restored" / "consult.db"
    restored.parent.mkdir()
    shutil.copy2(out, restored)
    again = other_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{restored}")
    with again.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1
        db.session.remove()


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite file")
def test_default_file_in_instance_backups_owner_only(app, make):
    make.event()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["consult", "backup"])
    assert result.exit_code == 0, result.output
    folder = Path(app.instance_path) / "backups"
    made = list(folder.glob("consult-*Z.db"))
    assert len(made) == 1 and str(made[0]) in result.output
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(made[0]).st_mode) == 0o600


def test_default_names_sort_by_time_and_old_ones_are_pruned(tmp_path):
    from datetime import UTC, datetime, timedelta

    url = create_engine("sqlite://").url
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    paths = [default_backup_path(str(tmp_path), url, start + timedelta(minutes=10 * n))
             for n in range(5)]
    assert paths[0].name == "consult-20260301-090000Z.db"
    paths[0].parent.mkdir()
    for path in paths:
        path.write_bytes(b"x")
    (paths[0].parent / "keep-me.db").write_bytes(b"mine")  # not one of ours: never touched
    removed = prune_backups(paths[0].parent, keep=2)
    assert removed == paths[:3]
    assert sorted(p.name for p in paths[0].parent.iterdir()) == sorted(
        [paths[3].name, paths[4].name, "keep-me.db"])


def test_every_refuses_a_fixed_out_file(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["consult", "backup", "--every", "10", "--out", str(tmp_path / "x.db")])
    assert result.exit_code != 0 and "--every" in result.output


@pytest.mark.skipif(not IS_POSTGRES, reason="pg_dump of the PostgreSQL test database")
def test_pg_dump_backup(app, make, tmp_path):
    make.event()
    db.session.commit()
    out = tmp_path / "pg.pgdump"
    result = app.test_cli_runner().invoke(args=["consult", "backup", "--out", str(out)])
    if shutil.which("pg_dump") is None:
        assert result.exit_code != 0 and "pg_dump is not installed" in result.output
        return
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:5] == b"PGDMP" and stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_pg_dump_missing_is_said_clearly(app, tmp_path, monkeypatch):
    from consult import database

    monkeypatch.setattr(database.shutil, "which", lambda name: None)
    url = create_engine("postgresql+psycopg://consult:secret@127.0.0.1:1/consult").url
    with pytest.raises(database.BackupError, match="pg_dump is not installed"):
        database.backup_database(url, tmp_path / "out" / "x.pgdump")
    assert not list((tmp_path / "out").iterdir())  # nothing half-written left behind


def test_sqlite_backup_holds_what_was_still_in_the_wal(tmp_path):
    """The WAL is not checkpointed while a connection keeps it open: a file copy misses it."""
    from consult.database import backup_database

    path = tmp_path / "live.db"
    live = sqlite3.connect(path, isolation_level=None)
    live.execute("PRAGMA journal_mode=WAL")
    live.execute("PRAGMA wal_autocheckpoint=0")
    live.execute("CREATE TABLE votes (n)")
    live.executemany("INSERT INTO votes VALUES (?)", [(n,) for n in range(500)])
    shutil.copy(path, tmp_path / "plain.db")
    made = backup_database(create_engine(f"sqlite:///{path}").url, tmp_path / "online.db")
    live.close()
    plain = sqlite3.connect(tmp_path / "plain.db")
    try:
        missing = plain.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    finally:
        plain.close()
    assert missing  # the plain copy has not even the table
    online = sqlite3.connect(made.path)
    try:
        assert online.execute("SELECT count(*) FROM votes").fetchone()[0] == 500
    finally:
        online.close()
    assert made.integrity == "ok"
