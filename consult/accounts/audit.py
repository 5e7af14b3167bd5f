"""The audit trail for a reader: action labels, readable details, the CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from babel.dates import get_timezone
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.accounts.models import ROLE_LABELS
from consult.accounts.queries import AuditRow
from consult.events.models import STATUS_LABELS
from consult.i18n import LANGUAGE_NAMES, format_dt, format_number, localize_digits
from consult.results.export import neutralise

#: What each action means, as the audit pages and the CSV name it; an unknown action shows
#: its raw name.
ACTION_LABELS = {
    "event.create": _l("Event created"),
    "event.edit": _l("Event edited"),
    "event.sectors": _l("Sectors changed"),
    "event.duplicate": _l("Event duplicated"),
    "event.delete": _l("Event deleted"),
    "event.status": _l("Event status changed"),
    "event.thresholds": _l("Thresholds changed"),
    "event.team": _l("Event team changed"),
    "agenda.section_add": _l("Section added"),
    "agenda.section_edit": _l("Section edited"),
    "agenda.section_delete": _l("Section deleted"),
    "agenda.section_move": _l("Section moved"),
    "agenda.round_add": _l("Round added"),
    "agenda.round_edit": _l("Round edited"),
    "agenda.round_delete": _l("Round deleted"),
    "agenda.round_move": _l("Round moved"),
    "agenda.item_add": _l("Item added"),
    "agenda.item_edit": _l("Item edited"),
    "agenda.item_delete": _l("Item deleted"),
    "agenda.item_move": _l("Item moved"),
    "agenda.import": _l("Agenda imported"),
    "agenda.export": _l("Agenda exported"),
    "agenda.followups": _l("Follow-up round created"),
    "round.open": _l("Round opened"),
    "round.close": _l("Round closed"),
    "round.reopen": _l("Round reopened"),
    "round.extend": _l("Round extended"),
    "round.reveal": _l("Results shown on the projector"),
    "round.hide_results": _l("Results hidden from the projector"),
    "round.undo_close": _l("Round close undone"),
    "export.xlsx": _l("Workbook exported"),
    "export.csv": _l("Responses exported (CSV)"),
    "user.create": _l("Staff account created"),
    "user.login": _l("Signed in"),
    "user.login_failed": _l("Failed sign-in"),
    "user.logout": _l("Signed out"),
    "user.password": _l("Password changed"),
    "user.password_reset": _l("Password reset"),
    "user.role": _l("Role changed"),
    "user.deactivate": _l("Account deactivated"),
    "user.reactivate": _l("Account reactivated"),
    "comment.hide": _l("Comment hidden"),
    "comment.show": _l("Comment shown again"),
    "participant.reissue_link": _l("Resume link re-issued"),
    "attendee.import": _l("Attendees imported"),
    "attendee.add": _l("Attendee registered"),
    "attendee.edit": _l("Participant's profile corrected"),
    "attendee.void": _l("Participant voided"),
    "attendee.restore": _l("Participant restored"),
    "participant.print_badges": _l("Badges printed"),
    "paper.enter": _l("Paper ballot typed"),
    "paper.confirm": _l("Paper ballot counted"),
    "paper.mismatch": _l("Paper ballot typings differ"),
    "paper.resolve": _l("Paper ballot resolved"),
    "paper.upload": _l("Paper ballots uploaded"),
    "paper.double_entry": _l("Double entry switched on or off"),
}

#: The audit pages' action filter, in the order the select shows it (queries.FAMILIES).
FAMILY_LABELS = {
    "signins": _l("Sign-ins"),
    "rounds": _l("Rounds"),
    "agenda": _l("Agenda and imports"),
    "exports": _l("Exports"),
    "settings": _l("Settings and team"),
    "deletions": _l("Deletions"),
    "comments": _l("Comments"),
    "participants": _l("Participants"),
    "paper": _l("Paper ballots"),
    "accounts": _l("Staff accounts"),
}

#: What a detail is called; other keys show their raw name.
DETAIL_LABELS = {
    "checksum": _l("Checksum (SHA-256)"),
    "count": _l("Attempts"),
    "last_at": _l("Last attempt"),
    "username": _l("User name"),
    "role": _l("Role"),
    "join_code": _l("Join code"),
    "source_join_code": _l("Copied from"),
    "code": _l("Code"),
    "kind": _l("Kind"),
    "title_en": _l("Title (English)"),
    "title_km": _l("Title (Khmer)"),
    "label_en": _l("Label (English)"),
    "label_km": _l("Label (Khmer)"),
    "filename": _l("File"),
    "file_name": _l("File"),
    "filters": _l("Filters"),
    "round": _l("Round"),
    "section": _l("Section"),
    "sector": _l("Sector"),
    "gender": _l("Gender"),
    "source": _l("Source"),
    "lang": _l("Language"),
    "identifying": _l("Identifying columns"),
    "closes_at": _l("Closes at"),
    "reason": _l("Reason"),
    "via": _l("Through"),
    "status": _l("Status"),
    "participants": _l("Participants"),
    "responses": _l("Responses"),
    "items": _l("Items"),
    "rounds": _l("Rounds"),
    "sections": _l("Sections"),
    "paper_ballots": _l("Paper ballots"),
    "public_code": _l("Participant code"),
    "teams_left": _l("Left the teams of"),
    "change": _l("Change"),
    "file": _l("File"),
    "sha256": _l("Checksum (SHA-256)"),
    "created": _l("Added"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "fields": _l("Personal details changed"),
    "profile_complete": _l("Profile complete"),
    "organisation": _l("Organisation"),
}

#: What an audit entry acted on (``target_type``, a table name).
TARGET_LABELS = {
    "events": _l("Event"),
    "rounds": _l("Round"),
    "sections": _l("Section"),
    "items": _l("Item"),
    "sectors": _l("Sector"),
    "users": _l("Staff account"),
    "participants": _l("Participant"),
    "responses": _l("Response"),
}

#: The CSV's columns (the global trail adds the event after the time).
CSV_COLUMNS = ["time", "user", "action", "action_label", "target", "details"]


def action_label(action: str) -> str:
    """The translated name of an action, or the action itself when it has none."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def target_label(row: AuditRow, event=None) -> str:
    """``Round #12``: what the entry acted on (its table and id), for a reader.

    ``event``: the page's, whose digits the id is written in; the CSV passes none.
    """
    entry = row.entry
    if entry.target_type is None:
        return ""
    label = TARGET_LABELS.get(entry.target_type)
    name = str(label) if label is not None else entry.target_type
    if entry.target_id is None:
        return name
    return f"{name} #{localize_digits(entry.target_id, event) if event else entry.target_id}"


def _value_text(action: str, key: str | None, value, event) -> str:
    """One detail value as text: roles, statuses, yes/no, times and numbers as a page writes."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float):
        return format_number(value, event)
    if isinstance(value, list):
        return ", ".join(_value_text(action, key, v, event) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value_text(action, k, v, event)}" for k, v in value.items())
    text = str(value)
    if action in ("user.role", "event.team", "user.create") and text in ROLE_LABELS:
        return str(ROLE_LABELS[text])
    if action in ("event.status", "event.delete") and text in STATUS_LABELS:
        return str(STATUS_LABELS[text])
    if key == "lang":
        return (str(_("Khmer and English")) if text == "both"
                else LANGUAGE_NAMES.get(text, text))
    if key is not None and key.endswith("_at"):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return format_dt(moment, "datetime", event)
    return text  # codes, checksums, file names: exactly as stored, never re-digited


def _key_label(key: str) -> str:
    label = DETAIL_LABELS.get(key)
    return str(label) if label is not None else key


def readable_details(row: AuditRow, event=None) -> list[tuple[str, str]]:
    """The entry's details as (label, text) lines: a change reads ``old → new``.

    ``event``: the page's (its time zone and digits); the global page passes none, so every
    row reads the same way.
    """
    entry = row.entry
    details = dict(entry.details or {})
    lines = []
    filters = details.pop("filters", None)
    if isinstance(filters, dict):
        chosen = [f"{_key_label(k)}: {_value_text(entry.action, k, v, event)}"
                  for k, v in filters.items() if v not in (None, "")]
        lines.append((_key_label("filters"), ", ".join(chosen) if chosen else _("All")))
    elif filters is not None:
        details["filters"] = filters
    if "before" in details or "after" in details:
        before, after = details.pop("before", None), details.pop("after", None)
        if isinstance(before, dict) and isinstance(after, dict):
            for key in after.keys() | before.keys():
                if before.get(key) != after.get(key):
                    lines.append((_key_label(key), _change(entry.action, key, before.get(key),
                                                          after.get(key), event)))
        else:
            lines.append((_("Change"), _change(entry.action, None, before, after, event)))
    changes = details.pop("changes", None)
    if isinstance(changes, dict):
        for key, pair in changes.items():
            if isinstance(pair, list | tuple) and len(pair) == 2:
                lines.append((_key_label(key), _change(entry.action, key, *pair, event)))
            else:
                lines.append((_key_label(key), _value_text(entry.action, key, pair, event)))
    elif changes is not None:
        details["changes"] = changes
    for key, value in details.items():
        lines.append((_key_label(key), _value_text(entry.action, key, value, event)))
    return lines


def _change(action: str, key: str | None, before, after, event) -> str:
    return (f"{_value_text(action, key, before, event)} → "
            f"{_value_text(action, key, after, event)}")


def iso_time(moment: datetime, event=None) -> str:
    """An instant as ISO 8601 in the event's time zone (the server's default without one)."""
    zone = get_timezone(event.timezone if event is not None
                        else current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return moment.replace(tzinfo=UTC).astimezone(zone).isoformat(timespec="seconds")


def csv_chunks(rows: Iterable[AuditRow], event=None) -> Iterator[str]:
    """The trail as CSV, UTF-8 with a BOM (so Excel reads Khmer); typed text neutralised.

    ``event``: the one event of the trail (its time zone); without one, the whole trail, in
    the server's time zone, with a column naming each entry's event.
    """
    with_event = event is None
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    columns = list(CSV_COLUMNS)
    if with_event:
        columns.insert(1, "event")
    writer.writerow(columns)
    for n, row in enumerate(rows, start=1):
        entry = row.entry
        cells = [iso_time(entry.created_at, event), neutralise(row.username),
                 neutralise(entry.action), neutralise(action_label(entry.action)),
                 neutralise(target_label(row)),
                 neutralise(json.dumps(entry.details or {}, ensure_ascii=False, sort_keys=True))]
        if with_event:
            code = row.event.join_code if row.event is not None else (
                (entry.details or {}).get("join_code") if entry.action == "event.delete" else "")
            cells.insert(1, neutralise(code))
        writer.writerow(cells)
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
