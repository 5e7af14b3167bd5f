"""Forms a participant fills."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

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
