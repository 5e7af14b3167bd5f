"""Event settings an admin edits."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

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
