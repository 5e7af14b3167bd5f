"""Event settings an admin edits."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from consult.events.models import EventStatus

_PCT = [InputRequired(message=_l("Please give a percentage.")),
        NumberRange(min=0, max=100, message=_l("Between 0 and 100."))]
_COUNT = [InputRequired(message=_l("Please give a number.")),
          NumberRange(min=1, max=1000, message=_l("Between 1 and 1000."))]


class PercentField(DecimalField):
    """A percentage: a finite decimal (``NaN``, ``sNaN`` and ``inf`` parse, but are no number)."""

    def __init__(self, label, **kwargs):
        super().__init__(label, validators=_PCT, places=1, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if valuelist and self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(_PCT[1].message)


class ThresholdsForm(FlaskForm):
    validate_pct = PercentField(_l("Validation threshold (agree %)"))
    sector_floor_pct = PercentField(_l("Sector floor (agree %)"))
    contest_pct = PercentField(_l("Contest threshold (agree %)"))
    spread_pct = PercentField(_l("Spread threshold (points)"))
    min_sector_n = IntegerField(_l("Minimum answers for an eligible sector"), validators=_COUNT)
    min_cell = IntegerField(_l("Small-cell minimum"), validators=_COUNT)
    khmer_digits = BooleanField(_l("Show numbers with Khmer digits on Khmer pages"))


#: What each status means, in the words the settings page shows beside it.
STATUS_CHOICES = [
    SelectChoice(EventStatus.draft.value, _l("Draft: being prepared. Participants cannot join; "
                                             "staff can preview the pages.")),
    SelectChoice(EventStatus.live.value, _l("Live: participants join, fill in their profile and "
                                            "vote in the rounds you open.")),
    SelectChoice(EventStatus.archived.value, _l("Archived: read-only. No one can join or vote; "
                                                "results and exports stay available.")),
]


class StatusForm(FlaskForm):
    status = RadioField(_l("Status"), choices=STATUS_CHOICES,
                        validators=[InputRequired(message=_l("Please choose a status."))])


# --- The event form, sectors, team, duplicate and delete ---

_TEXT = [Length(max=300, message=_l("At most 300 characters."))]
_LONG = [Length(max=5000, message=_l("At most 5000 characters."))]
_DATE = [Optional()]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class EventForm(ThresholdsForm):
    """Every field of an event: the thresholds of ``ThresholdsForm`` and the rest.

    The rules that tie fields together (dates in order, a known time zone, a join code free
    and made of the right characters, contest ≤ validate) are checked by the operation,
    ``events.operations.event_problems``, so the command line and tests meet them too.
    """

    title_en = StringField(_l("Title in English"), validators=_TEXT, filters=[_strip])
    title_km = StringField(_l("Title in Khmer"), validators=_TEXT, filters=[_strip])
    description_en = TextAreaField(_l("Description in English"), validators=_LONG)
    description_km = TextAreaField(_l("Description in Khmer"), validators=_LONG)
    venue_en = StringField(_l("Venue in English"), validators=_TEXT, filters=[_strip])
    venue_km = StringField(_l("Venue in Khmer"), validators=_TEXT, filters=[_strip])
    starts_on = DateField(_l("First day"), validators=_DATE)
    ends_on = DateField(_l("Last day"), validators=_DATE)
    timezone = StringField(_l("Time zone"), filters=[_strip], validators=[
        InputRequired(message=_l("Please give a time zone.")), Length(max=64)])
    join_code = StringField(_l("Join code"), validators=[
        InputRequired(message=_l("Please give a join code.")), Length(max=40)])
    join_mode = RadioField(_l("Who may join"), choices=[
        SelectChoice("open", _l("Anyone with the join code")),
        SelectChoice("badge", _l("Only pre-registered attendees, through their badge link")),
    ], validators=[InputRequired(message=_l("Please choose who may join."))])
    default_locale = RadioField(_l("Language a newcomer sees first"), choices=[
        SelectChoice("km", "ភាសាខ្មែរ"), SelectChoice("en", "English"),
    ], validators=[InputRequired(message=_l("Please choose a language."))])


class SectorForm(FlaskForm):
    """Add, rename, move or delete one sector (the button pressed says which)."""

    action = SelectField(choices=[SelectChoice(a, a) for a in ("add", "rename", "up", "down",
                                                                 "delete")],
                         validate_choice=True)
    sector_id = IntegerField(validators=[Optional()])
    label_en = StringField(_l("Name in English"), filters=[_strip], validators=[
        Length(max=200, message=_l("At most 200 characters."))])
    label_km = StringField(_l("Name in Khmer"), filters=[_strip], validators=[
        Length(max=200, message=_l("At most 200 characters."))])


TEAM_ROLE_CHOICES = [SelectChoice("facilitator", _l("Facilitator")),
                     SelectChoice("analyst", _l("Analyst"))]


class TeamForm(FlaskForm):
    """Add a staff member to the team, change their role, or remove them."""

    action = SelectField(choices=[SelectChoice(a, a) for a in ("add", "role", "remove")], validate_choice=True)
    user_id = IntegerField(_l("Staff member"), validators=[
        InputRequired(message=_l("Please choose a staff member."))])
    role = SelectField(_l("Role in this event"), choices=TEAM_ROLE_CHOICES,
                       validators=[Optional()], validate_choice=False)


class DuplicateForm(FlaskForm):
    """The title of the copy."""

    title_en = StringField(_l("Title in English"), validators=_TEXT, filters=[_strip])
    title_km = StringField(_l("Title in Khmer"), validators=_TEXT, filters=[_strip])


class DeleteForm(FlaskForm):
    """The join code, typed to confirm."""

    join_code = StringField(_l("Type the join code to confirm"), validators=[
        InputRequired(message=_l("Please type the join code.")), Length(max=40)])
