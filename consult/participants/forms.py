"""Forms a participant fills."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from consult.participants.models import GENDER_LABELS


class JoinForm(FlaskForm):
    code = StringField(
        _l("Join code"),
        validators=[InputRequired(message=_l("Please type the join code.")), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                   "inputmode": "text"},
    )


class ProfileForm(FlaskForm):
    sector = RadioField(_l("Your sector"), coerce=int,
                        validators=[InputRequired(message=_l("Please choose your sector."))])
    organisation = StringField(_l("Organisation (optional)"),
                               validators=[Optional(), Length(max=300)],
                               render_kw={"autocomplete": "organization"})
    gender = RadioField(_l("Gender"), choices=[SelectChoice(k.value, v) for k, v in GENDER_LABELS.items()],
                        validators=[InputRequired(message=_l("Please choose one answer."))])
    locale = RadioField(_l("Language"), choices=[SelectChoice("km", "ខ្មែរ"), SelectChoice("en", "English")],
                        validators=[InputRequired(message=_l("Please choose a language."))])

    def set_sectors(self, sectors, label) -> None:
        """Offer the event's sectors, labelled in the current language."""
        self.sector.choices = [SelectChoice(s.id, label(s)) for s in sectors]


class ReissueLinkForm(FlaskForm):
    public_code = StringField(
        _l("Participant code"),
        validators=[InputRequired(message=_l("Please type the participant's code.")),
                    Length(max=20)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                   "placeholder": "P-7KQ2M9"},
    )


# --- Attendees (staff) --------------------------------------------------------------------


class AttendeeImportForm(FlaskForm):
    """A spreadsheet of attendees (checked whole by consult.participants.attendees)."""

    file = FileField(_l("Spreadsheet of attendees"),
                     validators=[FileRequired(message=_l("Please choose a file to import."))])


class AttendeeForm(FlaskForm):
    """One attendee: registered by staff, or a participant's profile corrected by staff."""

    display_name = StringField(_l("Name (Latin script)"),
                               validators=[Optional(), Length(max=200)],
                               render_kw={"autocomplete": "off", "lang": "en"})
    display_name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=200)],
                                  render_kw={"autocomplete": "off", "lang": "km"})
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=300)])
    sector = SelectField(_l("Sector"), coerce=int, validate_choice=False)
    gender = SelectField(_l("Gender"), validate_choice=False)
    locale = SelectField(_l("Language"),
                         choices=[SelectChoice("km", "ខ្មែរ"), SelectChoice("en", "English")])
    badge_number = StringField(_l("Badge number"), validators=[Optional(), Length(max=40)],
                               render_kw={"autocomplete": "off", "spellcheck": "false"})
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)],
                        render_kw={"autocomplete": "off", "spellcheck": "false",
                                   "inputmode": "email"})

    def set_choices(self, sectors, label, *, required: bool) -> None:
        """Offer the event's sectors and the genders; ``required``: no "not given" (a profile
        once complete is corrected, never emptied)."""
        from consult.participants.models import GENDER_LABELS

        blank = [] if required else [SelectChoice(0, _l("Not given"))]
        self.sector.choices = blank + [SelectChoice(s.id, label(s)) for s in sectors]
        self.gender.choices = ([] if required else [SelectChoice("", _l("Not given"))]) + [
            SelectChoice(k.value, v) for k, v in GENDER_LABELS.items()]
        self._sector_ids = {s.id for s in sectors}

    def validate_sector(self, field) -> None:
        if field.data not in self._sector_ids and field.data != 0:
            raise ValidationError(_l("Please choose a sector from the list."))

    def validate_gender(self, field) -> None:
        if field.data not in [c[0] for c in field.iter_choices()]:
            raise ValidationError(_l("Please choose one of the answers for gender."))

    def validate_badge_number(self, field) -> None:
        from consult.participants.attendees import badge_problem, clean_badge

        problem = badge_problem(clean_badge(field.data))
        if problem is not None:
            raise ValidationError(problem)

    def validate_email(self, field) -> None:
        from consult.participants.attendees import clean_email, email_problem

        problem = email_problem(clean_email(field.data))
        if problem is not None:
            raise ValidationError(problem)


class ReasonForm(FlaskForm):
    """Why a participant is voided or restored (kept in the audit trail)."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[InputRequired(message=_l("Please say why.")), Length(max=500)],
        render_kw={"rows": 2})


class AttendeeSearchForm(FlaskForm):
    """The attendee list's search: a GET form, so a search can be linked to."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)],
                    render_kw={"type": "search", "autocomplete": "off"})
