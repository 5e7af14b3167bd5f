"""Raw responses for the CSV and the workbook: one ordered stream, its checksum, safe text."""

from __future__ import annotations

import csv
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
from consult.spreadsheet import clean, neutralise
from consult.voting.models import Response, ResponseChoice

# neutralise (the CSV) and clean (the workbook) live with the other spreadsheet helpers; the
# results workbook and the audit trail import them from here too.


def _canonical_field(value) -> str:
    """One field of a checksum line, the same whether read from the database or the workbook.

    Line breaks are ``\n`` (a browser sends ``\r\n``, a workbook keeps ``\n``), times are
    to the second (as the Responses sheet shows them), a flag is 1 or 0, nothing is "", a
    fraction has 12 significant digits.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    if isinstance(value, float):
        # 12 significant digits: the same whether Python, Excel or LibreOffice wrote the number.
        return format(value, ".12g")
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return str(value)


def canonical_line(fields) -> str:
    """One line of the checksum from the fields of ``RawRow.CHECKSUM_FIELDS``, in that order."""
    return "\x1f".join(_canonical_field(value) for value in fields)


def sheet_line(values) -> str | None:
    """One row of a figures sheet as a checksum line (None for an empty row).

    Empty cells at the end do not count: a spreadsheet program may drop or pad them.
    """
    fields = [_canonical_field(value) for value in values]
    while fields and fields[-1] == "":
        fields.pop()
    return "\x1f".join(fields) if fields else None


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
    #: the stored answer: 1–5/0 or 1–3 as a number; option codes (ranking in order) or the text
    value: int | str
    comment: str
    comment_hidden: bool
    source: str
    created_at: datetime
    updated_at: datetime
    #: the participant was voided (a test phone, a duplicate): listed, counted in no figure.
    #: Not in the checksum: a facilitator may void or restore after the export.
    voided: bool = False

    #: What the checksum covers: every stored fact of the response that the Responses sheet
    #: carries in a form that does not depend on the export's language (so a copy can be
    #: checked against its own sheet and against the database).
    CHECKSUM_FIELDS = ("response_id", "participant", "sector_id", "gender", "round_position",
                       "item_id", "item_code", "kind", "value", "comment", "comment_hidden",
                       "source", "created_at", "updated_at")

    def canonical(self) -> str:
        """One line of the checksum: the fields of ``CHECKSUM_FIELDS``, fixed order."""
        return canonical_line(getattr(self, name) for name in self.CHECKSUM_FIELDS)


def raw_rows(filters: Filters, identifying: bool = True) -> Iterator[RawRow]:
    """Stream every response under ``filters`` in id order, with its options merged in.

    ``identifying=False`` leaves out what can name a person (docs/security.md): the
    organisation, and the participant code of every response that carries a comment, so a
    comment cannot be joined to its author's other answers. The checksum covers the rows as
    written, so a copy exported this way verifies too (``verify`` reads the option from the
    About sheet's filters). The answers of voided participants are listed, marked ``voided``.
    """
    base = filters.apply(
        # Kinds, genders and sources read as their stored strings: no enum per cell.
        select(Response.id, Participant.public_code, Response.sector_id,
               type_coerce(Response.gender, String), Participant.organisation, Round.position,
               Item.id, Item.code, type_coerce(Item.kind, String), Response.value,
               Response.text_value, Response.comment, Response.comment_hidden_at,
               type_coerce(Response.source, String), Response.created_at, Response.updated_at,
               Participant.voided_at)
        .join(Participant, Participant.id == Response.participant_id)
        .outerjoin(Round, Round.id == Response.round_id), with_voided=True
    ).order_by(Response.id)
    choices = filters.apply(
        select(ResponseChoice.response_id, ItemOption.code)
        .select_from(Response)
        .join(ResponseChoice, ResponseChoice.response_id == Response.id)
        .join(ItemOption, ItemOption.id == ResponseChoice.option_id), with_voided=True
    ).order_by(ResponseChoice.response_id, ResponseChoice.rank, ItemOption.position)
    choice_stream = iter(db.session.execute(choices.execution_options(yield_per=2000)))
    pending = next(choice_stream, None)
    for row in db.session.execute(base.execution_options(yield_per=2000)):
        (rid, code, sector_id, gender, organisation, round_pos, item_id, item_code, kind, value,
         text_value, comment, hidden_at, source, created, updated, voided_at) = row
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
            stored = "" if value is None else value
        comment = clean(comment)
        if not identifying:
            organisation = None
            if comment:
                code = ""
        yield RawRow(rid, code, sector_id, gender, clean(organisation), round_pos, item_id,
                     item_code, kind, stored, comment, hidden_at is not None, source,
                     created, updated, voided_at is not None)


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
        return scale.get(row.value, str(row.value)) if row.value != "" else ""
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
               "updated_at", "voided"]


def csv_chunks(event: Event, filters: Filters, lang: str = "en",
               identifying: bool = True) -> Iterator[str]:
    """Yield the CSV of raw responses in chunks, starting with a UTF-8 BOM.

    ``identifying=False``: no organisation, no participant code beside a comment (raw_rows).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    options = options_by_item(event)
    # Every field staff or a participant typed is neutralised: sector names and item codes too.
    sectors = {key: neutralise(label) for key, label in sector_labels(event, lang).items()}
    scales = scale_labels(lang)
    yield "\ufeff"
    writer.writerow(CSV_COLUMNS)
    for n, row in enumerate(raw_rows(filters, identifying), start=1):
        writer.writerow([
            row.participant, sectors.get(row.sector_id, ""), row.gender or "",
            neutralise(row.organisation), row.round_position or "", row.item_id,
            neutralise(row.item_code),
            row.kind, row.value if row.value.__class__ is int else neutralise(row.value),
            neutralise(value_label(row, options, lang, scales)),
            neutralise(row.comment), "yes" if row.comment_hidden else "", row.source,
            row.created_at.isoformat(timespec="seconds"), row.updated_at.isoformat(timespec="seconds"),
            "yes" if row.voided else "",
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


def export_filename(event: Event, extension: str, identifying: bool = True) -> str:
    from consult.timeutil import utcnow

    anonymous = "" if identifying else "-no-identifying"
    return f"consult-{event.join_code}-{utcnow():%Y%m%d-%H%M}{anonymous}.{extension}"


def identifying_arg(value: str | None) -> bool:
    """Read the download's ``identifying`` parameter: only "0" (or false/no/off) leaves out."""
    return (value or "").strip().lower() not in {"0", "false", "no", "off"}
