"""Fuzzing: malformed requests on every route, as every identity, against a real server.

The generator (``Fuzzer``) is shared with ``tests/test_fuzz.py``, which sends a few thousand of
its requests through the test client on every suite run (SQLite and PostgreSQL). Here it sends
N of them (100,000 by default) to the server started as ``make run`` starts it (the harness's
``Server``: ``consult/server.py``, migrated and seeded database, rate limits on),
from several threads, each with its own anonymous visitor, participant, analyst, facilitator
and admin, CSRF tokens real or forged. Each request picks a route of ``app.url_map`` and a
method, then mutates what it sends: ids in the path (huge, negative, text), query strings and
form fields (NUL, CR/LF, huge strings, non-ASCII, invalid UTF-8, NaN, wrong types, duplicated
keys), the body's encoding (form, multipart, JSON, broken bytes) and some headers.

Printed: the count per status, the responses 5xx, the tracebacks in the server's log, and the
database's invariants afterwards (integrity and foreign keys, no response without a profiled
participant, rows written only by requests that were answered as accepted).

Run: ``.venv/bin/python benchmarks/fuzz.py [-n 100000] [--seed 1] [--threads 8]``
     ``[--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]``
"""

from __future__ import annotations

import json
import random
import re
import string
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

# Run as a script, this folder comes first on the path, where a benchmark named after an
# installed package would hide it: import from the project root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
IDENTITIES = ("anonymous", "participant", "analyst", "facilitator", "admin")
STAFF_IDENTITIES = ("analyst", "facilitator", "admin")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Raw(str):
    """A value already percent-encoded: sent as is (invalid UTF-8, a lone ``%``…)."""


#: Text that has broken, or could break, something: NUL, CR/LF, huge, non-ASCII, not numbers.
NASTY_TEXT = [
    "", " ", "\x00", "a\x00b", "\x00" * 3, "\r\n", "x\r\nSet-Cookie: y=1", "\t", "\x7f", "\x1b[2J",
    "x" * 3000, "ខ្មែរ" * 400, "é", "\u202e", "\ufeff", "\u2028", "１２", "១២", "١", "NaN", "sNaN",
    "-nan", "inf", "-Infinity", "1e999999", "-1", "0", "2147483647", "2147483648",
    "9223372036854775808", "18446744073709551616", "1" * 5000, "1.5", "0x10", "null", "true",
    "[]", "{}", "<script>alert(1)</script>", "' OR '1'='1", "%s%n", "{{7*7}}", "../../etc/passwd",
    "//evil.example", "/\\evil.example", "//[", "javascript:alert(1)", "=1+1", "@SUM(A1)",
]
NASTY_RAW = [Raw(v) for v in ("%FF", "%ED%A0%80", "%C0%AF", "%", "%zz", "%u0041", "%00",
                              "%0d%0a", "a%00", "%E1%9E%81%00")]
#: Path parts for an ``<int:…>``: beyond every integer type, negative, text, other digits.
NASTY_IDS = [Raw(v) for v in (
    "0", "-1", "2147483647", "2147483648", "9223372036854775807", "9223372036854775808",
    "18446744073709551616", "9" * 40, "abc", "1.5", "%00", "1%00", "%D9%A1", "%E1%9F%A1", "%201",
    "1e5", "0x10", "+1", "")]
#: Path parts for a code, token or file name.
NASTY_SEGMENTS = [Raw(v) for v in (
    "%00", "a%00", "x" * 300, "%E1%9E%81%E1%9F%92", "%C3%A9", "%FF", "%ED%A0%80", "..", "%2e%2e",
    "%3Cscript%3E", "'%20OR%201=1--", "%0d%0a", "%20", "~", "a;b", "%5C", "%2F")]
QUERY_KEYS = ["k", "next", "page", "round", "section", "sector", "gender", "source", "lang",
              "event_id", "item_id", "_method", "_external", "_anchor", "_scheme", "code",
              "token", "minutes", "csrf_token", "q", ""]
EXTRA_FIELDS = ["id", "token", "reason", "name", "role", "public_code", "current_password",
                "new_password", "confirm", "hidden", "status", "minutes", "next", "lang",
                "sector", "gender", "locale", "organisation", "code", "username", "password",
                "_method", "csrf_token", "item", "value", "x" * 200]
GENDERS = ["woman", "man", "another", "undisclosed"]


@dataclass
class World:
    """What the fuzzer knows of the database: ids, codes, tokens and each item's kind."""

    event_ids: list[int]
    round_ids: list[int]
    item_ids: list[int]
    response_ids: list[int]
    sector_ids: list[int]
    codes: list[str]
    screen_keys: list[str]
    tokens: list[str]
    public_codes: list[str]
    usernames: list[str]
    #: item id → [kind, option codes]
    items: dict[int, list] = field(default_factory=dict)
    static_files: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> World:
        data = json.loads(text)
        data["items"] = {int(k): v for k, v in data["items"].items()}
        return cls(**data)


def describe_world(limit: int = 40) -> World:
    """Read the world from the database (inside an app context)."""
    from sqlalchemy import select

    from consult.accounts.models import User
    from consult.agenda.models import Item, Round
    from consult.events.models import Event, Sector
    from consult.extensions import db
    from consult.participants.models import Participant
    from consult.voting.models import Response

    def ids(column):
        return list(db.session.scalars(select(column).order_by(column).limit(limit)))

    items = {}
    for item in db.session.scalars(select(Item).order_by(Item.id).limit(limit)):
        items[item.id] = [item.kind.value, [o.code for o in item.options]]
    events = db.session.scalars(select(Event).order_by(Event.id).limit(limit)).all()
    public = getattr(Participant, "public_code", None)
    static = ROOT / "static"
    return World(
        event_ids=[e.id for e in events], round_ids=ids(Round.id), item_ids=list(items),
        response_ids=ids(Response.id), sector_ids=ids(Sector.id),
        codes=[e.join_code for e in events], screen_keys=[e.screen_token for e in events],
        tokens=ids(Participant.token), public_codes=ids(public) if public is not None else [],
        usernames=ids(User.username), items=items,
        static_files=sorted(str(p.relative_to(static)) for p in static.rglob("*") if p.is_file()),
    )


@dataclass
class Route:
    """One rule of the URL map: its endpoint, its parts and their kinds."""

    endpoint: str
    rule: str
    methods: list[str]
    #: argument name → "int", "path" or "str"
    args: dict[str, str]


def routes_of(url_map) -> list[Route]:
    """Every rule of ``url_map`` (the app's own, so a new route is fuzzed without a word)."""
    from werkzeug.routing import IntegerConverter, PathConverter

    routes = []
    for rule in url_map.iter_rules():
        kinds = {name: "int" if isinstance(conv, IntegerConverter)
                 else "path" if isinstance(conv, PathConverter) else "str"
                 for name, conv in rule._converters.items()}
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        routes.append(Route(rule.endpoint, rule.rule, methods, kinds))
    return sorted(routes, key=lambda r: (r.rule, r.endpoint))


@dataclass
class FuzzRequest:
    """One request to send: the path and query are ASCII, already encoded."""

    endpoint: str
    method: str
    url: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        body = (self.body or b"")[:300]
        return f"{self.method} {self.url[:300]} {self.headers} {body!r}"


def _enc(value) -> str:
    if isinstance(value, Raw):
        return str(value)
    return quote(str(value), safe="")


class Fuzzer:
    """Seeded generator of requests: mostly plausible, each with something wrong in it."""

    def __init__(self, world: World, routes: list[Route], seed: int = 1):
        self.world = world
        self.routes = [(r, m) for r in routes for m in r.methods]
        self.rng = random.Random(seed)

    # Values ------------------------------------------------------------------------------

    def nasty(self):
        return self.rng.choice(NASTY_TEXT + NASTY_RAW)

    def maybe(self, good, p_bad: float = 0.25):
        return self.nasty() if self.rng.random() < p_bad else good

    def pick(self, values, default=1):
        return self.rng.choice(values) if values else default

    def id_for(self, name: str):
        w = self.world
        pools = {"event_id": w.event_ids, "round_id": w.round_ids, "item_id": w.item_ids,
                 "response_id": w.response_ids}
        if self.rng.random() < 0.3:
            return self.rng.choice(NASTY_IDS)
        return self.pick(pools.get(name) or w.event_ids)

    def segment_for(self, name: str, kind: str):
        w = self.world
        if self.rng.random() < 0.3:
            return self.rng.choice(NASTY_SEGMENTS + NASTY_RAW)
        if name == "code":
            code = self.pick(w.codes, "KH7Q2P")
            return self.rng.choice([code, code, code.lower(), f"{code[:3]} {code[3:]}"])
        if name == "token":
            return self.pick(w.tokens, "x")
        if kind == "path":
            return Raw(quote(self.pick(w.static_files, "css/app.css"), safe="/"))
        return self.pick(w.codes, "x")

    def plausible(self, name: str):
        """A value a real form of ours would send for the field ``name``."""
        w, rng = self.world, self.rng
        values = {
            "code": [*w.codes, "WRONG1"], "sector": w.sector_ids, "gender": GENDERS,
            "locale": ["km", "en"], "lang": ["km", "en", "both"],
            "organisation": ["Ministry of Posts", "ក្រសួងប្រៃសណីយ៍", ""],
            "username": [*w.usernames, "nobody"], "password": ["wrong password"],
            "current_password": ["wrong password"], "new_password": ["new-pass-phrase-42"],
            "confirm": ["new-pass-phrase-42"], "next": ["/", "/staff/", "/e/X/wait"],
            "minutes": ["5", "30"], "hidden": ["1", "0"], "status": ["live", "draft"],
            "validate_pct": ["66", "70"], "sector_floor_pct": ["50", "40"],
            "contest_pct": ["50", "45"], "spread_pct": ["30"], "min_sector_n": ["3"],
            "min_cell": ["3"], "khmer_digits": ["y", ""], "public_code": w.public_codes,
            "k": w.screen_keys, "page": ["1", "2"], "round": w.round_ids,
            "section": [1, 2], "source": ["web", "paper", "badge"], "event_id": w.event_ids,
            "item_id": w.item_ids,
        }.get(name)
        return rng.choice(values) if values else rng.choice(["1", "x", ""])

    def answer_fields(self, item_ids) -> list[tuple]:
        """The fields of the vote page for these items, as a phone would send them."""
        fields, rng = [], self.rng
        for item_id in item_ids:
            kind, options = self.world.items.get(item_id, ["agreement", []])
            name = f"item-{item_id}"
            if kind == "agreement":
                fields.append((name, rng.choice("012345")))
            elif kind == "priority":
                fields.append((name, rng.choice("123")))
            elif kind == "text":
                fields.append((name, rng.choice(["Yes, with training", "ខ្ញុំយល់ព្រម"])))
            elif kind == "ranking":
                places = list(range(1, len(options) + 1))
                rng.shuffle(places)
                fields += [(f"{name}-rank-{code}", str(p)) for code, p in zip(options, places, strict=True)]
            else:
                chosen = rng.sample(options, k=1 if kind == "choice" else min(2, len(options)))
                fields += [(name, code) for code in chosen]
            if rng.random() < 0.3:
                fields.append((f"comment-{item_id}", rng.choice(["Good", "ល្អ"])))
        return fields

    def base_form(self, endpoint: str, path_args: dict) -> list[tuple]:
        """A form such as our own page would post to ``endpoint``; unknown endpoints get a
        handful of our field names (a route added later is fuzzed too)."""
        forms = {
            "participants.join": ["code"],
            "participants.profile": ["sector", "gender", "locale", "organisation"],
            "participants.reissue_link": ["public_code"],
            "i18n.set_language": ["lang", "next"],
            "accounts.login": ["username", "password"],
            "accounts.change_own_password": ["current_password", "new_password", "confirm"],
            "room.open_round": ["minutes"], "room.extend_round": ["minutes"],
            "room.set_comment_visibility": ["hidden"],
            "events.change_event_status": ["status"],
            "events.edit_settings": ["validate_pct", "sector_floor_pct", "contest_pct",
                                     "spread_pct", "min_sector_n", "min_cell", "khmer_digits"],
            "accounts.logout": [], "participants.leave_event": [],
        }
        if endpoint == "voting.answer_item":
            item = path_args.get("item_id")
            return self.answer_fields([item if isinstance(item, int) else
                                       self.pick(self.world.item_ids)])
        if endpoint == "voting.submit_round":
            items = self.world.item_ids
            return self.answer_fields(self.rng.sample(items, k=min(len(items), 4)))
        names = forms.get(endpoint)
        if names is None:
            names = self.rng.sample(EXTRA_FIELDS, k=self.rng.randint(0, 3))
        return [(name, self.plausible(name)) for name in names]

    # Requests ----------------------------------------------------------------------------

    def request(self, csrf: str | None = None) -> FuzzRequest:
        """The next request: a route and method, its path, query, body and headers."""
        rng = self.rng
        route, method = rng.choice(self.routes)
        path_args = {}
        for name, kind in route.args.items():
            path_args[name] = (self.id_for(name) if kind == "int"
                               else self.segment_for(name, kind))
        url = route.rule
        for name, value in path_args.items():
            encoded = _enc(value)
            url = re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + r">",
                         lambda _m, v=encoded: v, url)
        query = self.query(route)
        if query:
            url += "?" + query
        headers = {}
        if rng.random() < 0.4:
            headers["Accept"] = "application/json"
        if rng.random() < 0.05:
            headers["Accept-Language"] = rng.choice(["xx", "km;q=NaN", "*", "en;q=2, km;q=-1",
                                                     "ខ្មែរ".encode().decode("latin-1")])
        body = None
        if method not in ("GET", "HEAD"):
            form = self.mutate_form(self.base_form(route.endpoint, path_args))
            form = self.with_csrf(form, headers, csrf)
            body = self.encode_body(form, headers)
        return FuzzRequest(route.endpoint, method, url, body, headers)

    def query(self, route: Route) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            return ""
        pairs = []
        for _ in range(rng.randint(1, 4)):
            key = rng.choice(QUERY_KEYS)
            value = self.plausible(key) if rng.random() < 0.5 else self.nasty()
            pairs.append((key, value))
        if rng.random() < 0.2:
            pairs.append((pairs[0][0], self.nasty()))  # the same key twice
        if rng.random() < 0.05:
            return rng.choice(["&&&", "=", "a=1&=2", "%", "x=%zz", ";", "a" * 3000])
        return "&".join(f"{_enc(k)}={_enc(v)}" for k, v in pairs)

    def mutate_form(self, fields: list[tuple]) -> list[tuple]:
        rng = self.rng
        out = []
        for name, value in fields:
            roll = rng.random()
            if roll < 0.1:
                continue  # a field left out
            if roll < 0.35:
                value = self.nasty()  # a value no page sends
            out.append((name, value))
            if rng.random() < 0.1:
                out.append((name, self.maybe(value, 0.5)))  # the same field twice
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            out.append((rng.choice(EXTRA_FIELDS), self.nasty()))
        if rng.random() < 0.05:
            out.append((self.nasty(), "1"))  # a strange field name
        return out

    def with_csrf(self, form: list[tuple], headers: dict, csrf: str | None) -> list[tuple]:
        rng = self.rng
        roll = rng.random()
        token = csrf if roll < 0.75 else rng.choice(["", "forged", "\x00", (csrf or "x")[:-2],
                                                     (csrf or "") + "x", "x" * 500])
        if token is None:
            return form
        if rng.random() < 0.3:
            headers["X-CSRFToken"] = _enc(token) if not isinstance(token, Raw) else token
            return form
        return [("csrf_token", token), *form]

    def encode_body(self, form: list[tuple], headers: dict) -> bytes:
        rng = self.rng
        roll = rng.random()
        if roll < 0.75:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return "&".join(f"{_enc(k)}={_enc(v)}" for k, v in form).encode()
        if roll < 0.9:
            boundary = "fuzz" + "".join(rng.choices(string.ascii_letters, k=12))
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
            parts = []
            for name, value in form:
                text = str(value).encode("utf-8", "replace")
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; '
                             f'name="{str(name)[:100]}"\r\n\r\n'.encode("utf-8", "replace")
                             + text + b"\r\n")
            if rng.random() < 0.2:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                             f'filename="../x.xlsx"\r\n\r\nPK\x03\x04\r\n'.encode())
            return b"".join(parts) + f"--{boundary}--\r\n".encode()
        if roll < 0.95:
            headers["Content-Type"] = "application/json"
            payload = rng.choice([dict((str(k), str(v)) for k, v in form), [1, 2], "x",
                                  {"a": {"b": [None]}}, None])
            return json.dumps(payload).encode()
        headers["Content-Type"] = rng.choice(["application/x-www-form-urlencoded",
                                              "multipart/form-data", "text/plain"])
        return rng.choice([b"\xff\xfe\x00a=1", b"a=%FF%FE&b=\xc3", b"--x\r\n\r\n",
                           b"=" * 1000, bytes(range(256))])


# The benchmark: a real server ---------------------------------------------------------------

BENCH_PASSWORD = "fuzz-pass-phrase-2024"


def _setup(instance: Path, db_url: str | None, threads: int) -> World:
    """Migrate and seed as ``make run`` does; add staff for each thread; return the world."""
    from benchmarks.harness import CODE, prepare, run_in_app

    prepare(instance, db_url)
    users = [(f"fuzz-{role}-{t}", role) for t in range(threads) for role in STAFF_IDENTITIES]
    out = run_in_app(instance, db_url, f"""
    from consult.accounts.models import Role
    from consult.accounts.operations import create_user
    from consult.access import find_event
    from consult.events.operations import set_team_role
    for name, role in {users!r}:
        user = create_user(name, {BENCH_PASSWORD!r}, Role(role))
        if role != "admin":
            set_team_role(find_event({CODE!r}), user, role, actor=None)
    db.session.commit()
    from benchmarks.fuzz import describe_world
    print(describe_world().to_json())
""")
    return World.from_json(out.strip().splitlines()[-1])


FINGERPRINT_BODY = """
    from benchmarks.fuzz import invariants
    import json
    print(json.dumps(invariants()))
"""


def table_counts() -> dict[str, int]:
    """Rows per table (inside an app context), audit and rate-limit bookkeeping aside; and the
    sum of the votes' revisions (a refused vote changes neither). One query."""
    from sqlalchemy import func, select

    from consult.extensions import db
    from consult.voting.models import Response

    tables = [t for t in db.metadata.sorted_tables
              if not any(word in t.name for word in ("audit", "limit", "attempt"))]
    columns = [select(func.count()).select_from(t).scalar_subquery().label(t.name)
               for t in tables]
    columns.append(select(func.coalesce(func.sum(Response.revision), 0)).scalar_subquery()
                   .label("revisions"))
    return dict(db.session.execute(select(*columns)).one()._mapping)


def invariants() -> dict:
    """Check the database (inside an app context): what must hold whatever was sent.

    Returns the problems found (empty lists when all is well) and the row counts.
    """
    from sqlalchemy import and_, func, select, text

    from consult.agenda.models import Item
    from consult.extensions import db
    from consult.participants.models import Participant
    from consult.voting.models import Response

    problems = []
    if db.engine.dialect.name == "sqlite":
        check = db.session.execute(text("PRAGMA integrity_check")).scalars().all()
        if check != ["ok"]:
            problems.append(f"integrity_check: {check[:5]}")
        fk = db.session.execute(text("PRAGMA foreign_key_check")).all()
        if fk:
            problems.append(f"foreign_key_check: {fk[:5]}")
    # Orphans, on every database: each foreign key's value names an existing row.
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            parents = fk.column.table.alias("parent")  # an alias: a table may name itself
            parent, child = parents.c[fk.column.name], fk.parent
            orphans = db.session.scalar(
                select(func.count()).select_from(table)
                .outerjoin(parents, parent == child)
                .where(child.is_not(None), parent.is_(None)))
            if orphans:
                problems.append(f"{orphans} rows of {table.name}.{child.name} name no "
                                f"{fk.column.table.name}")
    no_profile = db.session.scalar(
        select(func.count()).select_from(Response)
        .join(Participant, Participant.id == Response.participant_id)
        .where(Participant.profile_completed_at.is_(None)))
    if no_profile:
        problems.append(f"{no_profile} responses from a participant without a profile")
    moved = db.session.scalar(
        select(func.count()).select_from(Response)
        .join(Item, and_(Item.id == Response.item_id))
        .where(Item.round_id.is_not(None), Item.round_id != Response.round_id))
    if moved:
        problems.append(f"{moved} responses whose round is not their item's")
    db.session.rollback()
    return {"problems": problems, "counts": table_counts()}


def _identity(kind: str, port: int, thread: int, world: World):
    """Sign a browser in as ``kind``; return it with its CSRF token (None when it failed)."""
    from benchmarks.harness import Phone, Staff

    if kind in STAFF_IDENTITIES:
        staff = Staff(port)
        try:
            staff.login(f"fuzz-{kind}-{thread}", BENCH_PASSWORD)
        except (RuntimeError, AttributeError):
            return staff, None
        return staff, _token_of(staff, "/staff/")
    phone = Phone(port)
    if kind == "participant":
        try:
            phone.join(world.sector_ids[thread % len(world.sector_ids)], GENDERS[thread % 4])
        except (RuntimeError, AttributeError):
            return phone, None
    return phone, _token_of(phone, "/")


def _token_of(browser, path: str) -> str | None:
    try:
        _, _, page = browser.request("GET", path)
    except OSError:
        return None
    found = _CSRF.search(page.decode("utf-8", "replace"))
    return found.group(1) if found else None


def identity_lost(kind: str, req: FuzzRequest, status: int, headers: dict) -> bool:
    """Whether this answer says the identity is gone (signed out, link reissued, left)."""
    if status < 400 and any(word in req.endpoint for word in ("logout", "leave")):
        return True
    # Staff pages send a signed-in member anywhere but the sign-in page (403 at worst).
    return kind in STAFF_IDENTITIES and "/staff/login" in headers.get("Location", "")


def _send(browser, req: FuzzRequest, retry: bool = True):
    """Send ``req`` on ``browser``'s connection with its cookies; return status, headers, body.

    A kept-alive connection the server closed meanwhile (``keepalive`` is 2 s) is opened
    again once, as browsers do; any other failure is reported.
    """
    import http.client

    reused = browser.conn is not None
    if browser.conn is None:
        browser.conn = http.client.HTTPConnection("127.0.0.1", browser.port, timeout=60)
    headers = dict(req.headers)
    if browser.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    try:
        browser.conn.putrequest(req.method, req.url, skip_accept_encoding=True)
        for name, value in headers.items():
            browser.conn.putheader(name, value.encode("latin-1", "replace"))
        if req.body is not None:
            browser.conn.putheader("Content-Length", str(len(req.body)))
        browser.conn.endheaders(req.body)
        response = browser.conn.getresponse()
        payload = response.read()
    except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
        browser.close()
        if reused and retry:
            return _send(browser, req, retry=False)
        raise
    except (OSError, http.client.HTTPException):
        browser.close()
        raise
    for value in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        browser.cookies[name.strip()] = rest.split(";", 1)[0]
    if response.getheader("Connection", "").lower() == "close":
        browser.close()
    return response.status, dict(response.headers), payload


def run_server(n: int, seed: int, threads: int, database_url: str | None,
               log_copy: str | None = None) -> dict:
    """Send ``n`` fuzzed requests to a fresh ``make run`` server; return the figures."""
    import collections
    import tempfile
    import threading
    import time

    from benchmarks.harness import Server, drop_pg, fresh_pg, run_in_app
    from consult import create_app

    with tempfile.TemporaryDirectory(prefix="consult-fuzz-") as tmp:
        instance = Path(tmp)
        db_url = fresh_pg(database_url) if database_url else None
        try:
            world = _setup(instance, db_url, threads)
            before = json.loads(run_in_app(instance, db_url, FINGERPRINT_BODY).splitlines()[-1])
            routes = routes_of(create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI":
                                           "sqlite://"}).url_map)
            server = Server(instance, db_url).start()
            statuses: collections.Counter = collections.Counter()
            by_endpoint: collections.Counter = collections.Counter()
            errors: list[str] = []
            accepted: collections.Counter = collections.Counter()
            lock = threading.Lock()
            started = time.perf_counter()

            def worker(t: int, count: int) -> None:
                fuzzer = Fuzzer(world, routes, seed * 1000 + t)
                browsers = {kind: _identity(kind, server.port, t, world) for kind in IDENTITIES}
                for _ in range(count):
                    kind = fuzzer.rng.choice(IDENTITIES)
                    browser, token = browsers[kind]
                    req = fuzzer.request(token)
                    try:
                        status, headers, _ = _send(browser, req)
                    except Exception as error:  # a dropped connection is a finding too
                        with lock:
                            errors.append(f"{type(error).__name__}: {error} on {req.describe()}")
                        continue
                    with lock:
                        statuses[status] += 1
                        if status >= 500:
                            by_endpoint[req.endpoint] += 1
                            errors.append(f"{status} on {req.describe()}")
                        if status < 400 and req.method == "POST":
                            accepted[req.endpoint] += 1
                    if identity_lost(kind, req, status, headers):
                        browser.close()
                        browsers[kind] = _identity(kind, server.port, t, world)
                for browser, _ in browsers.values():
                    browser.close()

            share = [n // threads + (1 if t < n % threads else 0) for t in range(threads)]
            pool = [threading.Thread(target=worker, args=(t, share[t])) for t in range(threads)]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join()
            seconds = time.perf_counter() - started
            server.stop()
            after = json.loads(run_in_app(instance, db_url, FINGERPRINT_BODY).splitlines()[-1])
            log = server.log.read_text(errors="replace")
        finally:
            if db_url:
                drop_pg(db_url)
    if log_copy:
        Path(log_copy).write_text(log)
    tracebacks = log.count("Traceback (most recent call last)")
    # The exception's own line: the first after the traceback's indented frames.
    last_lines = collections.Counter(
        next((line[:160] for line in block.splitlines()[1:] if line and not line[0].isspace()),
             "?") for block in log.split("Traceback (most recent call last):")[1:])
    return {"requests": sum(statuses.values()), "seconds": seconds,
            "statuses": dict(sorted(statuses.items())), "server_errors": sum(
                c for s, c in statuses.items() if s >= 500), "by_endpoint": dict(by_endpoint),
            "errors": errors, "tracebacks": tracebacks, "traceback_kinds": dict(last_lines),
            "before": before, "after": after, "accepted_posts": dict(accepted)}


def report(r: dict, database: str) -> str:
    lines = [f"database: {database}; {r['requests']:,} requests in {r['seconds']:.0f} s "
             f"({r['requests'] / r['seconds']:,.0f}/s)",
             "status counts: " + ", ".join(f"{s}: {c:,}" for s, c in r["statuses"].items()),
             f"responses 5xx: {r['server_errors']}", f"tracebacks in the server log: "
             f"{r['tracebacks']}"]
    for line, count in r["traceback_kinds"].items():
        lines.append(f"  {count} × {line}")
    for error in r["errors"][:20]:
        lines.append(f"  {error}")
    problems = r["after"]["problems"]
    lines.append(f"invariants afterwards: {problems or 'all hold'}")
    b, a = r["before"]["counts"], r["after"]["counts"]
    changed = {t: f"{b.get(t, 0)} → {a[t]}" for t in a if a[t] != b.get(t, 0)}
    lines.append(f"rows changed: {changed or 'none'}; POSTs answered below 400: "
                 f"{sum(r['accepted_posts'].values()):,}")
    return "\n".join(lines)


def main() -> int:
    import argparse
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--requests", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="a PostgreSQL URL: a fresh database is made beside it")
    parser.add_argument("--json", help="also write the raw figures to this file")
    parser.add_argument("--log", help="keep a copy of the server's log in this file")
    args = parser.parse_args()
    database = (args.database_url or "sqlite").split("@")[-1]
    print(f"fuzzing {args.requests:,} requests, seed {args.seed}, {args.threads} threads; "
          f"database {database}; machine: {os.cpu_count()} cores", flush=True)
    r = run_server(args.requests, args.seed, args.threads, args.database_url, args.log)
    print(report(r, database))
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=1))
    ok = not r["server_errors"] and not r["tracebacks"] and not r["after"]["problems"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
