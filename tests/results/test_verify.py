"""``flask consult verify-export``: a copy against its own checksums, and against the database."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from consult.extensions import db
from consult.voting.models import Response

FILE_EDITED = "file ≠ its own checksum (edited after export)"
DATABASE_CHANGED = "database changed since export"


def _export(app, fx, path, *extra):
    result = app.test_cli_runner().invoke(args=["consult", "export", fx.event.join_code,
                                                "--out", str(path), *extra])
    assert result.exit_code == 0, result.output
    return path


def _verify(app, path):
    return app.test_cli_runner().invoke(args=["consult", "verify-export", str(path)])


def _edit(path, sheet, row, column, value):
    """Change one cell as an analyst would (openpyxl standing in for Excel), and save."""
    wb = load_workbook(path)
    ws = wb[sheet]
    ws.cell(row=row, column=column).value = value
    wb.save(path)


def test_an_untouched_copy_matches(app, fx, tmp_path):
    path = _export(app, fx, tmp_path / "results.xlsx", "--lang", "km")
    result = _verify(app, path)
    assert result.exit_code == 0, result.output
    total = db.session.query(Response).count()
    assert f"File:     OK — its {total} responses give this checksum" in result.output
    assert f"Database: OK — its {total} responses" in result.output
    assert "MATCH" in result.output and "DIFFERENT" not in result.output


@pytest.mark.parametrize("column, value", [
    (11, 5),  # an answer's value
    (13, "Edited comment"),  # a comment
    (3, None),  # the sector id
    (14, "yes"),  # a comment marked hidden
    (16, None),  # when it was answered
])
def test_an_edited_responses_cell_is_reported_as_a_file_edit(app, fx, tmp_path, column, value):
    path = _export(app, fx, tmp_path / "results.xlsx", "--lang", "en")
    ws = load_workbook(path)["Responses"]
    # The first A1 answer that is not already ``value`` (and not hidden, for column 14).
    row = next(r[0].row for r in ws.iter_rows(min_row=2)
               if r[8].value == "A1" and r[column - 1].value != value and not r[13].value)
    _edit(path, "Responses", row, column, value)
    result = _verify(app, path)
    assert result.exit_code == 1
    assert FILE_EDITED in result.output and "the Responses sheet changed" in result.output
    assert "Database: OK" in result.output and DATABASE_CHANGED not in result.output
    assert f"first differ at row {row} of the Responses sheet" in result.output
    assert "MATCH" not in result.output


def test_an_edited_summary_cell_is_reported_as_a_file_edit(app, fx, tmp_path):
    path = _export(app, fx, tmp_path / "results.xlsx", "--lang", "en")
    _edit(path, "Summary", 2, 7, 0.9)  # A1's agree %: 64% becomes 90%
    result = _verify(app, path)
    assert result.exit_code == 1
    assert FILE_EDITED in result.output and "the other sheets (figures) changed" in result.output
    assert "the Responses sheet" not in result.output and "Database: OK" in result.output


def test_a_new_vote_is_reported_as_a_database_change(app, fx, tmp_path, make):
    path = _export(app, fx, tmp_path / "results.xlsx")
    make.response(fx.people["p1"], fx.items["A2"], 5)
    db.session.commit()
    result = _verify(app, path)
    assert result.exit_code == 1
    assert DATABASE_CHANGED in result.output and FILE_EDITED not in result.output
    assert "File:     OK" in result.output
    total = db.session.query(Response).count()
    assert f"its {total} responses now give" in result.output
    assert f"first differ at row {total + 1} of the Responses sheet" in result.output


def test_a_changed_vote_and_an_edit_are_both_reported(app, fx, tmp_path):
    path = _export(app, fx, tmp_path / "results.xlsx")
    response = db.session.scalar(select(Response).order_by(Response.id.desc()))
    response.comment = "changed in the database"
    db.session.commit()
    _edit(path, "Responses", 2, 2, "P-XXXXXX")
    result = _verify(app, path)
    assert result.exit_code == 1
    assert FILE_EDITED in result.output and DATABASE_CHANGED in result.output
    assert "first differ at row 2 " in result.output


def test_line_breaks_and_times_survive_the_round_trip(app, fx, tmp_path):
    # A browser sends a textarea's line breaks as CR LF; a workbook keeps LF only, and keeps
    # times as fractions of a day.
    response = db.session.scalar(select(Response).where(Response.comment.is_not(None)))
    response.comment = "first line\r\nsecond line\rthird  "
    db.session.commit()
    path = _export(app, fx, tmp_path / "results.xlsx", "--lang", "both")
    result = _verify(app, path)
    assert result.exit_code == 0, result.output


def test_a_filtered_copy_is_checked_with_its_filters(app, fx, tmp_path, client, make):
    from consult.accounts.models import Role
    from tests.conftest import login

    analyst = make.user(Role.analyst)
    db.session.commit()
    login(client, analyst)
    download = client.get(f"/staff/events/{fx.event.id}/export.xlsx?source=paper&lang=en")
    path = tmp_path / "paper.xlsx"
    path.write_bytes(download.data)
    assert _verify(app, path).exit_code == 0
    make.response(fx.people["p1"], fx.items["A2"], 5)  # a web answer: outside the filter
    db.session.commit()
    result = _verify(app, path)
    assert result.exit_code == 0 and "its 3 responses" in result.output, result.output


def test_a_workbook_without_the_checked_columns_is_refused_plainly(app, fx, tmp_path):
    path = _export(app, fx, tmp_path / "results.xlsx")
    wb = load_workbook(path)
    wb.worksheets[-2].delete_cols(1)  # Responses, as an earlier version wrote it: no id
    wb.save(path)
    result = _verify(app, path)
    assert result.exit_code == 1
    assert "does not have the columns this version of Consult writes" in result.output


def test_verify_export_refuses_other_files(app, tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook")
    result = _verify(app, path)
    assert result.exit_code != 0 and "Not an Excel workbook" in result.output


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed")
def test_a_copy_saved_again_by_libreoffice_still_matches(app, fx, tmp_path):
    path = _export(app, fx, tmp_path / "results.xlsx", "--lang", "both")
    out = tmp_path / "saved"
    done = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
         "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result = _verify(app, out / "results.xlsx")
    assert result.exit_code == 0 and "MATCH" in result.output, result.output


def test_a_sheet_added_after_the_export_s_sheets_is_not_an_edit(app, fx, tmp_path):
    path = _export(app, fx, tmp_path / "results.xlsx")
    wb = load_workbook(path)
    wb.create_sheet("My pivot")["A1"] = "my own analysis"
    wb.save(path)
    assert _verify(app, path).exit_code == 0
