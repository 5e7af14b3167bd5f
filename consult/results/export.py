"""Raw responses for the CSV and the workbook: one ordered stream, its checksum, safe text."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, select, type_coerce

from consult.agenda.models import AGREEMENT_SCALE, PRIORITY_SCALE, Item, ItemKind, ItemOption, Round
from consult.events.models import Event, Sector
from consult.extensions import db
from consult.participants.models import Participant
from consult.results.queries import Filters
from consult.voting.models import Response, ResponseChoice

#: What a spreadsheet would read as the start of a formula (DESIGN.md section 5).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(text: str | None) -> str:
    """Make typed text safe for a CSV opened in a spreadsheet: never a formula."""
    if not text:
        return ""
    text = _CONTROL.sub("", text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def clean(text: str | None) -> str:
    """Drop control characters a workbook cannot hold (the text stays as typed otherwise)."""
    return _CONTROL.sub("", text) if text else ""


@dataclass
class RawRow:
    response_id: int
    participant: str
    sector_id: int | None
    gender: str | None
    organisation: str
    round_position: int | None
    item_id: int
    item_code: str
    kind: str
    value: str  #: the stored code: 1–5/0, 1–3, option codes (ranking in order), or the text
    comment: str
    comment_hidden: bool
    source: str
    created_at: datetime
    updated_at: datetime

    def canonical(self) -> str:
        """One line of the checksum: every stored fact of the response, fixed order."""
        return "\x1f".join(str(x) for x in (
            self.response_id, self.participant, self.item_code, self.value, self.comment,
            self.source, self.updated_at.isoformat()))


def raw_rows(filters: Filters) -> Iterator[RawRow]:
    """Stream every response under ``filters`` in id order, with its options merged in."""
    base = filters.apply(
        # Kinds, genders and sources read as their stored strings: no enum per cell.
        select(Response.id, Participant.public_code, Response.sector_id,
               type_coerce(Response.gender, String), Participant.organisation, Round.position,
               Item.id, Item.code, type_coerce(Item.kind, String), Response.value,
               Response.text_value, Response.comment, Response.comment_hidden_at,
               type_coerce(Response.source, String), Response.created_at, Response.updated_at)
        .join(Participant, Participant.id == Response.participant_id)
        .outerjoin(Round, Round.id == Response.round_id)
    ).order_by(Response.id)
    choices = filters.apply(
        select(ResponseChoice.response_id, ItemOption.code)
        .select_from(Response)
        .join(ResponseChoice, ResponseChoice.response_id == Response.id)
        .join(ItemOption, ItemOption.id == ResponseChoice.option_id)
    ).order_by(ResponseChoice.response_id, ResponseChoice.rank, ItemOption.position)
    choice_stream = iter(db.session.execute(choices.execution_options(yield_per=2000)))
    pending = next(choice_stream, None)
    for row in db.session.execute(base.execution_options(yield_per=2000)):
        (rid, code, sector_id, gender, organisation, round_pos, item_id, item_code, kind, value,
         text_value, comment, hidden_at, source, created, updated) = row
        picked = []
        while pending is not None and pending[0] <= rid:
            if pending[0] == rid:
                picked.append(pending[1])
            pending = next(choice_stream, None)
        if kind == ItemKind.text:
            stored = clean(text_value)
        elif picked:
            stored = (">" if kind == ItemKind.ranking else ";").join(picked)
        else:
            stored = "" if value is None else str(value)
        yield RawRow(rid, code, sector_id, gender, clean(organisation), round_pos, item_id,
                     item_code, kind, stored, clean(comment), hidden_at is not None, source,
                     created, updated)


def checksum(rows) -> str:
    """SHA-256 over the canonical lines of the raw responses."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(row.canonical().encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def scale_labels(lang: str) -> dict[str, dict[int, str]]:
    """The agreement and priority labels in ``lang``, looked up once per export."""
    from flask_babel import force_locale

    with force_locale(lang):
        return {ItemKind.agreement: {v: str(label) for v, label in AGREEMENT_SCALE.items()},
                ItemKind.priority: {v: str(label) for v, label in PRIORITY_SCALE.items()}}


def value_label(row: RawRow, options: dict[int, dict[str, ItemOption]], lang: str,
                scales: dict[str, dict[int, str]]) -> str:
    """The answer in words, in ``lang``."""
    from consult.i18n import tr_text

    scale = scales.get(row.kind)
    if scale is not None:
        return scale.get(int(row.value), row.value) if row.value != "" else ""
    if row.kind in (ItemKind.choice, ItemKind.multi, ItemKind.ranking):
        by_code = options.get(row.item_id, {})
        sep = " > " if row.kind == ItemKind.ranking else "; "
        return sep.join(tr_text(by_code[c], "label", lang) if c in by_code else c
                        for c in re.split(r"[>;]", row.value) if c)
    return ""


def options_by_item(event: Event) -> dict[int, dict[str, ItemOption]]:
    options: dict[int, dict[str, ItemOption]] = {}
    for option in db.session.scalars(select(ItemOption).join(Item).where(Item.event_id == event.id)):
        options.setdefault(option.item_id, {})[option.code] = option
    return options


def sector_labels(event: Event, lang: str) -> dict[int, str]:
    from consult.i18n import tr_text

    return {s.id: tr_text(s, "label", lang)
            for s in db.session.scalars(select(Sector).where(Sector.event_id == event.id))}


CSV_COLUMNS = ["participant", "sector", "gender", "organisation", "round", "item_id", "item_code",
               "kind", "value", "label", "comment", "comment_hidden", "source", "created_at",
               "updated_at"]


def csv_chunks(event: Event, filters: Filters, lang: str = "en") -> Iterator[str]:
    """Yield the CSV of raw responses in chunks, starting with a UTF-8 BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    options = options_by_item(event)
    sectors = sector_labels(event, lang)
    scales = scale_labels(lang)
    yield "\ufeff"
    writer.writerow(CSV_COLUMNS)
    for n, row in enumerate(raw_rows(filters), start=1):
        writer.writerow([
            row.participant, sectors.get(row.sector_id, ""), row.gender or "",
            neutralise(row.organisation), row.round_position or "", row.item_id, row.item_code,
            row.kind, neutralise(row.value), neutralise(value_label(row, options, lang, scales)),
            neutralise(row.comment), "yes" if row.comment_hidden else "", row.source,
            row.created_at.isoformat(timespec="seconds"), row.updated_at.isoformat(timespec="seconds"),
        ])
        if n % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def comment_rows(filters: Filters, include_hidden: bool) -> list:
    """Comments with their item, sector, gender, language and source."""
    stmt = filters.apply(
        select(Response.id, Item.code, Item.prompt_en, Item.prompt_km, Response.sector_id,
               Response.gender, Response.comment_locale, Response.source, Response.comment,
               Response.comment_hidden_at, Response.updated_at)
        .where(Response.comment.is_not(None))
    ).order_by(Item.section_id, Item.position, Response.id)
    if not include_hidden:
        stmt = stmt.where(Response.comment_hidden_at.is_(None))
    return db.session.execute(stmt).all()


def export_filename(event: Event, extension: str) -> str:
    from consult.timeutil import utcnow

    return f"consult-{event.join_code}-{utcnow():%Y%m%d-%H%M}.{extension}"
