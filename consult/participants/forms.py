"""Forms a participant fills."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length


class JoinForm(FlaskForm):
    code = StringField(
        _l("Join code"),
        validators=[InputRequired(message=_l("Please type the join code.")), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                   "inputmode": "text"},
    )
