"""Forms of the voting package: the clerk's paper ballot entry, its resolution, its upload.

The vote page itself posts plain fields read by ``views.answer_from_form``; these forms are
for staff. A ballot's fields depend on its items, so ``ballot_form`` builds the form class
for a list of items; every rule on what a field may hold lives in ``consult.voting.paper``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from consult.voting.paper import comment_field, item_field

_DIGITS = {"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
_TEXT = {"autocomplete": "off", "spellcheck": "false"}


class BallotHeaderForm(FlaskForm):
    """The fields every ballot has, in printed order: number, sector, gender, organisation."""

    ballot_number = StringField(_l("Ballot number"), validators=[Length(max=100)],
                                render_kw={**_TEXT, "autocapitalize": "characters"})
    sector = StringField(_l("Sector"), validators=[Length(max=10)], render_kw=_DIGITS)
    gender = StringField(_l("Gender"), validators=[Length(max=10)], render_kw=_DIGITS)
    organisation = StringField(_l("Organisation"), validators=[Length(max=1000)],
                               render_kw=_TEXT)


def ballot_form(items, **kwargs) -> BallotHeaderForm:
    """The entry form of a ballot with these items: one field per item (digits, or the text
    of an open question), and a comment field where the item takes comments."""

    class BallotForm(BallotHeaderForm):
        pass

    for item in items:
        text = item.kind == "text"
        setattr(BallotForm, item_field(item), StringField(
            item.code, validators=[Length(max=4000)], render_kw=_TEXT if text else _DIGITS))
        if item.allow_comment:
            setattr(BallotForm, comment_field(item), StringField(
                _l("Comment"), validators=[Length(max=4000)], render_kw=_TEXT))
    return BallotForm(**kwargs)


#: How a facilitator settles one field two clerks typed differently.
PICKS = [SelectChoice("first", _l("First typing")), SelectChoice("second", _l("Second typing")),
         SelectChoice("other", _l("Corrected value"))]


def resolve_form(fields: list[str], **kwargs) -> FlaskForm:
    """The resolution form of a mismatch: for each differing field, which value counts."""

    class ResolveForm(FlaskForm):
        pass

    for name in fields:
        setattr(ResolveForm, f"pick_{name}", RadioField(choices=PICKS, validate_choice=False))
        setattr(ResolveForm, f"other_{name}", StringField(validators=[Length(max=4000)],
                                                          render_kw=_TEXT))
    return ResolveForm(**kwargs)


class DoubleEntryForm(FlaskForm):
    """Turn double entry on or off for the event."""

    double_entry = BooleanField(_l("Double entry: two different clerks type each ballot, and "
                                   "it counts once both typings agree"))


class UploadBallotsForm(FlaskForm):
    """A workbook of ballots typed elsewhere (sheet ``ballots``)."""

    file = FileField(_l("Workbook of typed ballots"),
                     validators=[FileRequired(message=_l("Please choose a file to upload."))])
