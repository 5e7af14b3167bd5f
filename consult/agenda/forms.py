"""Forms of the agenda builder, the XLSForm import and the Delphi re-vote."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length, NumberRange, Optional

from consult.agenda.models import ItemKind

# --- The agenda builder -------------------------------------------------------------------

#: The kinds of item, in the words the item form shows.
KIND_CHOICES = [
    SelectChoice(ItemKind.agreement.value,
                 _l("Agreement: strongly agree … strongly disagree, no opinion")),
    SelectChoice(ItemKind.priority.value, _l("Priority: high, medium, low")),
    SelectChoice(ItemKind.choice.value, _l("Choice: one of the options")),
    SelectChoice(ItemKind.multi.value, _l("Multiple choice: several options, up to a maximum")),
    SelectChoice(ItemKind.ranking.value, _l("Ranking: order the options (the first places)")),
    SelectChoice(ItemKind.text.value, _l("Text: an open answer")),
]
#: Blank option rows the item form offers below the existing options (more on request).
BLANK_OPTION_ROWS = 3
MAX_OPTION_ROWS = 60


class SectionForm(FlaskForm):
    """A section's key, titles and introductions, both languages side by side."""

    key = StringField(_l("Key (optional, e.g. %(example)s)", example="P1"), validators=[Length(max=20)])
    title_en = StringField(_l("Title in English"), validators=[Length(max=300)])
    title_km = StringField(_l("Title in Khmer"), validators=[Length(max=300)])
    description_en = TextAreaField(_l("Introduction in English (optional)"))
    description_km = TextAreaField(_l("Introduction in Khmer (optional)"))


class RoundForm(FlaskForm):
    """A round's titles."""

    title_en = StringField(_l("Title in English"), validators=[Length(max=300)])
    title_km = StringField(_l("Title in Khmer"), validators=[Length(max=300)])


class OptionRowForm(Form):
    """One option row of the item form (a blank row adds nothing; a cleared row deletes)."""

    option_id = HiddenField()
    code = StringField(_l("Code"), validators=[Length(max=40)])
    label_en = StringField(_l("Label in English"), validators=[Length(max=500)])
    label_km = StringField(_l("Label in Khmer"), validators=[Length(max=500)])


class ItemForm(FlaskForm):
    """Every field of an item; the one set of rules (``editing.item_problems``) judges it."""

    section = SelectField(_l("Section"), coerce=int)
    round = SelectField(_l("Round"), coerce=int)
    kind = SelectField(_l("Kind of answer"), choices=KIND_CHOICES)
    code = StringField(_l("Code"), validators=[Length(max=40)])
    prompt_en = TextAreaField(_l("Prompt in English"))
    prompt_km = TextAreaField(_l("Prompt in Khmer"))
    detail_en = TextAreaField(_l("Detail in English (optional)"))
    detail_km = TextAreaField(_l("Detail in Khmer (optional)"))
    allow_comment = BooleanField(_l("Allow a comment"), default=True)
    max_choices = IntegerField(
        _l("Maximum number of choices (multiple choice only; empty: any number)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_OPTION_ROWS)],
        render_kw={"inputmode": "numeric"})
    top_k = IntegerField(
        _l("Places to rank (ranking only; empty: every option)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_OPTION_ROWS)],
        render_kw={"inputmode": "numeric"})
    options = FieldList(FormField(OptionRowForm), max_entries=MAX_OPTION_ROWS)


class MoveForm(FlaskForm):
    """Up or down one place, within a round or a section."""

    direction = StringField(validators=[AnyOf(["up", "down"])])
    scope = StringField(validators=[Optional(), AnyOf(["round", "section"])])


class ConfirmForm(FlaskForm):
    """A button that changes something: only the form token."""


# --- XLSForm import and export ------------------------------------------------------------


class ImportAgendaForm(FlaskForm):
    """An XLSForm file to add to the event's agenda (checked whole by consult.agenda.xlsform)."""

    file = FileField(_l("XLSForm file"),
                     validators=[FileRequired(message=_l("Please choose a file to import."))])


# --- Delphi re-vote -----------------------------------------------------------------------


class PutAgainForm(FlaskForm):
    """The items to put to the room again (ids; the operation checks them, with clear words)."""

    items = SelectMultipleField(validate_choice=False)
