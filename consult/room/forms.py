"""Facilitator forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional


class OpenRoundForm(FlaskForm):
    minutes = IntegerField(
        _l("Countdown in minutes (optional)"),
        validators=[Optional(), NumberRange(min=1, max=86400,
                                            message=_l("Between 1 minute and 60 days."))],
        render_kw={"inputmode": "numeric", "min": 1},
    )


class ExtendRoundForm(FlaskForm):
    minutes = IntegerField(
        _l("Minutes from now"),
        validators=[NumberRange(min=1, max=86400, message=_l("Between 1 minute and 60 days."))],
        render_kw={"inputmode": "numeric", "min": 1},
    )
