"""Backup benchmark: ``flask consult backup`` while phones vote, against a real server.

The server is started as ``make run`` starts it (granian, 2 processes × 8 threads, SQLite by
default) on the demo workshop; ``--phones`` phones join and vote without pause (a vote, then the next item, round
after round, new values each pass). Meanwhile ``flask consult backup`` runs ``--backups`` times,
as an organiser would in a second terminal. For each backup: the copy time the command reports,
the wall time of the command, and the slowest vote that was in flight during it; then the
backup is opened, integrity-checked, and every vote acknowledged before the command started
must be in it.

Run: ``.venv/bin/python benchmarks/backup.py [--phones 60] [--backups 5] [--pad-mb 0]``
     ``[--database-url postgresql+psycopg://postgres@127.0.0.1/postgres]``
``--pad-mb`` grows the database first (extra participants and answers) to time a larger copy.
Figures: docs/security.md, "Backups".
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (
    GENDERS,
    ROOT,
    VENV_BIN,
    Phone,
    Server,
    _env,
    drop_pg,
    fresh_pg,
    open_round,
    prepare,
    run_in_app,
    sector_ids,
)


def _pad(instance: Path, database_url: str | None, megabytes: float) -> None:
    """Add participants with answers until the database has grown by about ``megabytes``."""
    if megabytes <= 0:
        return
    rows = int(megabytes * 1_000_000 / 250)  # about 250 bytes a response with its indexes
    run_in_app(instance, database_url, f"""
    from sqlalchemy import select
    from consult.agenda.models import Item, ItemKind
    from consult.events.models import Event
    from consult.participants.models import Gender, Participant
    from consult.voting.models import Response
    event = db.session.scalar(select(Event).where(Event.join_code == "KH7Q2P"))
    items = db.session.scalars(select(Item).where(Item.event_id == event.id,
                               Item.kind == ItemKind.agreement)).all()
    made = 0
    while made < {rows}:
        person = Participant(event=event, sector=event.sectors[made % len(event.sectors)],
                             gender=Gender.woman, organisation="padding")
        db.session.add(person)
        db.session.flush()
        for item in items:
            db.session.add(Response(participant_id=person.id, item_id=item.id,
                                    sector_id=person.sector_id, gender=person.gender,
                                    value=1 + made % 5))
            made += 1
        if made % 20000 < len(items):
            db.session.commit()
    db.session.commit()
""")


def run_backup_benchmark(instance: Path, database_url: str | None, phones: int = 60,
                         backups: int = 5, pad_mb: float = 0, log=print) -> dict:
    event_id, round_id, items = prepare(instance, database_url)
    _pad(instance, database_url, pad_mb)
    # Phones vote without pause here: the per-participant vote limit would refuse most of it.
    server = Server(instance, database_url, extra_env={"RATELIMIT_ENABLED": "0"}).start()
    stop = threading.Event()
    lock = threading.Lock()
    acks: dict[tuple[int, int], tuple[int, float]] = {}  # (phone, item) → (value, acked at)
    votes: list[tuple[float, float, int]] = []  # (sent, done, status)
    errors: list = []
    try:
        open_round(server.port, event_id, round_id)
        sectors = sector_ids(server.port)
        people = []
        for n in range(phones):
            phone = Phone(server.port, timeout=30)
            phone.join(sectors[n % len(sectors)], GENDERS[n % 4], f"backup-{n}")
            people.append(phone)

        def vote_forever(n: int, phone: Phone):
            value = 1 + n % 5
            while not stop.is_set():
                for item in items:
                    if stop.is_set():
                        break
                    sent = time.monotonic()
                    try:
                        status, body = phone.vote(item, value)
                    except Exception as error:
                        status, body = 0, {"error": repr(error)}
                    done = time.monotonic()
                    with lock:
                        votes.append((sent, done, status))
                        if status == 200 and body.get("saved"):
                            acks[(n, item)] = (value, done)
                        else:
                            errors.append((status, body))
                value = value % 5 + 1

        threads = [threading.Thread(target=vote_forever, args=(n, p), daemon=True)
                   for n, p in enumerate(people)]
        for thread in threads:
            thread.start()
        time.sleep(2)  # the room is voting at full speed
        results = []
        for number in range(backups):
            out = instance / f"bench-{number}.{'db' if database_url is None else 'pgdump'}"
            with lock:
                before = dict(acks)
            began = time.monotonic()
            proc = subprocess.run([str(VENV_BIN / "flask"), "consult", "backup", "--out", str(out)],
                                  cwd=ROOT, env=_env(instance, database_url), capture_output=True,
                                  text=True, check=False)
            ended = time.monotonic()
            if proc.returncode != 0:
                raise RuntimeError(proc.stdout + proc.stderr)
            copied = float(proc.stdout.split("copied in ")[1].split(" s")[0])
            with lock:
                during = [done - sent for sent, done, _ in votes if done >= began and sent <= ended]
            missing = _check(out, before, database_url)
            results.append({"copy_s": copied, "command_s": ended - began,
                            "votes_during": len(during),
                            "slowest_vote_during_s": max(during, default=0.0),
                            "size_bytes": out.stat().st_size, "missing": missing})
            log(f"backup {number + 1}: copy {copied:.3f} s, command {ended - began:.2f} s, "
                f"{len(during)} votes during it, slowest {max(during, default=0):.3f} s, "
                f"{out.stat().st_size / 1e6:.1f} MB, missing {missing}")
            time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join(30)
        for phone in people:
            phone.close()
        all_votes = sorted(done - sent for sent, done, status in votes if status == 200)
        return {"backups": results, "votes": len(votes), "errors": errors[:3],
                "error_count": len(errors),
                "vote_p50_s": statistics.median(all_votes) if all_votes else None,
                "vote_p99_s": all_votes[int(len(all_votes) * 0.99)] if all_votes else None}
    finally:
        stop.set()
        server.stop()


def _check(out: Path, before: dict, database_url: str | None) -> int:
    """Votes acknowledged before the backup began that the backup lacks (0 expected)."""
    if database_url is not None:
        return 0  # pg_dump's archive is checked by restoring it (docs/deploy.md), not here
    copy = sqlite3.connect(out)
    try:
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise RuntimeError(f"{out} failed its integrity check")
        stored = {}
        # Each phone typed "backup-<n>" as its organisation when it joined.
        rows = copy.execute(
            "SELECT p.organisation, r.item_id, r.value FROM responses r "
            "JOIN participants p ON p.id = r.participant_id WHERE p.organisation LIKE 'backup-%'")
        for organisation, item, value in rows:
            stored[(int(organisation.split("-")[1]), item)] = value
    finally:
        copy.close()
    return sum(1 for key in before if key not in stored)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=60)
    parser.add_argument("--backups", type=int, default=5)
    parser.add_argument("--pad-mb", type=float, default=0)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    database_url = fresh_pg(args.database_url) if args.database_url else None
    try:
        with tempfile.TemporaryDirectory(prefix="consult-backup-") as tmp:
            result = run_backup_benchmark(Path(tmp), database_url, args.phones, args.backups,
                                          args.pad_mb)
    finally:
        if database_url:
            drop_pg(database_url)
    copies = [b["copy_s"] for b in result["backups"]]
    slowest = [b["slowest_vote_during_s"] for b in result["backups"]]
    print(f"\n{len(copies)} backups while {args.phones} phones voted: copy median "
          f"{statistics.median(copies):.3f} s (max {max(copies):.3f}); slowest vote during a "
          f"backup {max(slowest):.3f} s; all votes p50 {result['vote_p50_s']:.3f} s, p99 "
          f"{result['vote_p99_s']:.3f} s; {result['votes']} votes, {result['error_count']} not "
          f"acknowledged {result['errors']}; missing from a backup: "
          f"{sum(b['missing'] for b in result['backups'])}")


if __name__ == "__main__":
    main()
