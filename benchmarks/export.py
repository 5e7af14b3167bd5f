"""Export benchmark: 100,000 responses on the demo event (~2,700 participants).

Times, in one run on one machine:
- the floor: openpyxl write-only writing the bare Responses rows alone (12 columns, no styles);
- the whole workbook (ten sheets) as the app writes it, and its peak memory;
- the CSV export;
- the analyst's results page (median of 5 requests through the Flask test client).

Run: ``.venv/bin/python benchmarks/export.py [--responses 100000] [--database-url URL]``.
Targets (issue 5): workbook ≤ 1.5× the floor, < 300 MB peak; results page < 500 ms.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_app(url: str):
    from consult import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                       "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})


def populate(url: str, target: int, instance: str) -> int:
    """Create the schema, the demo event and ``target`` responses; return the event id."""
    from sqlalchemy import insert, select

    from consult.agenda.models import Item, ItemKind
    from consult.demo import seed_demo
    from consult.extensions import db
    from consult.participants.models import Participant, new_public_code, new_token
    from consult.timeutil import utcnow
    from consult.voting.models import Response

    app = make_app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        event = seed_demo(instance).event
        db.session.commit()
        items = db.session.scalars(select(Item).where(Item.event_id == event.id)).all()
        people = -(-target // len(items))
        rng = random.Random(42)
        now = utcnow()
        genders = ["woman", "man", "another", "undisclosed"]
        sectors = [s.id for s in event.sectors]
        rows = [{"event_id": event.id, "token": new_token(), "public_code": new_public_code(),
                 "sector_id": rng.choice(sectors), "gender": rng.choice(genders),
                 "organisation": "Ministry", "locale": "km", "source": "web", "display_name": "",
                 "joined_at": now, "profile_completed_at": now} for _ in range(people)]
        db.session.execute(insert(Participant), rows)
        participants = db.session.execute(
            select(Participant.id, Participant.sector_id, Participant.gender)).all()
        responses, written = [], 0
        for pid, sector_id, gender in participants:
            for item in items:
                if written >= target:
                    break
                agreement = item.kind == ItemKind.agreement
                value = rng.choice([0, 1, 2, 3, 4, 4, 5, 5]) if agreement else rng.choice([1, 2, 3])
                comment = "សូមបន្ថែមការបណ្តុះបណ្តាល" if rng.random() < 0.03 else None
                responses.append({"participant_id": pid, "item_id": item.id,
                                  "round_id": item.round_id, "sector_id": sector_id,
                                  "gender": gender, "source": "web", "value": value,
                                  "comment": comment, "revision": 1, "created_at": now,
                                  "updated_at": now})
                written += 1
            if len(responses) >= 20000:
                db.session.execute(insert(Response), responses)
                responses = []
        if responses:
            db.session.execute(insert(Response), responses)
        db.session.commit()
        return event.id, written


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def floor_child(url: str, event_id: int, queue) -> None:
    """openpyxl write-only writing the bare Responses rows (values only) — the library floor."""
    from openpyxl import Workbook

    from consult.extensions import db
    from consult.results.export import raw_rows
    from consult.results.queries import Filters

    app = make_app(url)
    with app.app_context():
        rows = [(r.participant, r.sector_id, r.gender, r.organisation, r.round_position,
                 r.item_id, r.item_code, r.kind, r.value, r.comment, r.source, r.updated_at)
                for r in raw_rows(Filters(event_id=event_id))]
        db.session.remove()
    start = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Responses")
    for row in rows:
        ws.append(row)
    wb.save(io.BytesIO())
    queue.put({"seconds": time.perf_counter() - start, "rows": len(rows)})


def workbook_child(url: str, event_id: int, queue) -> None:
    from consult.events.models import Event
    from consult.extensions import db
    from consult.results.queries import Filters
    from consult.results.workbook import write_workbook

    app = make_app(url)
    base = _peak_mb()
    with app.app_context(), app.test_request_context():
        event = db.session.get(Event, event_id)
        with tempfile.TemporaryFile() as out:
            start = time.perf_counter()
            write_workbook(event, Filters(event_id=event_id), "both", out)
            seconds = time.perf_counter() - start
            size = out.tell()
    queue.put({"seconds": seconds, "peak_mb": _peak_mb(), "base_mb": base, "bytes": size})


def csv_child(url: str, event_id: int, queue) -> None:
    from consult.events.models import Event
    from consult.extensions import db
    from consult.results.export import csv_chunks
    from consult.results.queries import Filters

    app = make_app(url)
    with app.app_context(), app.test_request_context():
        event = db.session.get(Event, event_id)
        start = time.perf_counter()
        size = sum(len(chunk) for chunk in csv_chunks(event, Filters(event_id=event_id)))
        queue.put({"seconds": time.perf_counter() - start, "peak_mb": _peak_mb(), "chars": size})


def page_child(url: str, event_id: int, queue) -> None:
    from werkzeug.security import generate_password_hash

    from consult.accounts.models import User
    from consult.extensions import db

    app = make_app(url)
    with app.app_context():
        user = db.session.query(User).filter_by(username="analyst").one()
        user.password_hash = generate_password_hash("bench-password-1", method="pbkdf2:sha256:1")
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    client.post("/staff/login", data={"username": "analyst", "password": "bench-password-1"})
    times = []
    for _ in range(6):
        start = time.perf_counter()
        response = client.get(f"/staff/events/{event_id}/results")
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    queue.put({"median_ms": 1000 * statistics.median(times[1:]), "first_ms": 1000 * times[0]})


def run(target, url) -> None:
    ctx = multiprocessing.get_context("spawn")

    def child(fn, event_id):
        queue = ctx.Queue()
        process = ctx.Process(target=fn, args=(url, event_id, queue))
        process.start()
        result = queue.get(timeout=900)
        process.join()
        return result

    print(f"database: {url.split('@')[-1]}")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as instance:
        event_id, written = populate(url, target, instance)
    print(f"populated {written:,} responses in {time.perf_counter() - start:.1f} s")
    floor = child(floor_child, event_id)
    book = child(workbook_child, event_id)
    csv = child(csv_child, event_id)
    page = child(page_child, event_id)
    ratio = book["seconds"] / floor["seconds"]
    print()
    print("| measurement | figure | target |")
    print("|---|---|---|")
    print(f"| openpyxl floor: bare Responses rows ({floor['rows']:,} × 12) | "
          f"{floor['seconds']:.1f} s | baseline |")
    print(f"| whole workbook, ten sheets | {book['seconds']:.1f} s = {ratio:.2f}× the floor | "
          f"≤ 1.5× |")
    print(f"| workbook peak memory (process) | {book['peak_mb']:.0f} MB "
          f"(of which {book['base_mb']:.0f} MB before writing) | < 300 MB |")
    print(f"| workbook size | {book['bytes'] / 1e6:.1f} MB | |")
    print(f"| CSV of raw responses | {csv['seconds']:.1f} s, peak {csv['peak_mb']:.0f} MB | |")
    print(f"| results page (median of 5, warm) | {page['median_ms']:.0f} ms "
          f"(first {page['first_ms']:.0f} ms) | < 500 ms |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        run(args.responses, url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
