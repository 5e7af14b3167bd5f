"""Staff forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from consult.accounts.models import ROLE_LABELS


class LoginForm(FlaskForm):
    username = StringField(
        _l("User name"),
        validators=[InputRequired(message=_l("Please type your user name.")), Length(max=80)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Please type your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Please type your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(message=_l("Please type a new password.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password, again"),
        validators=[InputRequired(message=_l("Please type the new password again.")),
                    EqualTo("new_password", message=_l("The two new passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


# --- Staff management and the audit trail -------------------------------------------------------



def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class NewStaffForm(FlaskForm):
    """A new staff account; ``create_user`` decides what a valid name and role are."""

    username = StringField(
        _l("User name"),
        validators=[InputRequired(message=_l("Please type a user name.")),
                    Length(max=80, message=_l("At most 80 characters."))],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    display_name = StringField(_l("Name shown in the interface"),
                               validators=[Optional(), Length(
                                   max=200, message=_l("At most 200 characters."))])
    # Checked by create_user (one rule for the form and the command line), not by the field.
    role = RadioField(_l("Role"), choices=_role_choices, validate_choice=False,
                      validators=[InputRequired(message=_l("Please choose a role."))])
    events = SelectMultipleField(_l("Events to work on"), coerce=int, validate_choice=False,
                                 widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput())

    def fill_events(self, events) -> None:
        from consult.i18n import tr_text

        self.events.choices = [SelectChoice(e.id, f"{tr_text(e, 'title')} ({e.join_code})")
                               for e in events]


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=_role_choices, validate_choice=False)


class ConfirmForm(FlaskForm):
    """A button that changes something: the form token only."""


class AuditFilterForm(FlaskForm):
    """The audit pages' filters (a GET form: a filtered trail can be linked to)."""

    class Meta:
        csrf = False  # read-only

    family = SelectField(_l("Action"))
    user = SelectField(_l("Staff member"), coerce=int)
    event = SelectField(_l("Event"), coerce=int)
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To (included)"), validators=[Optional()])

    def fill_choices(self, families: dict, users, events=None) -> None:
        from consult.accounts.queries import STAFF_WIDE
        from consult.i18n import tr_text

        self.family.choices = [SelectChoice("", _l("All"))] + [
            SelectChoice(key, label) for key, label in families.items()]
        self.user.choices = [SelectChoice(0, _l("All"))] + [
            SelectChoice(u.id, u.username) for u in users]
        self.event.choices = [SelectChoice(0, _l("All")),
                              SelectChoice(STAFF_WIDE, _l("No event (accounts, sign-ins, "
                                                          "deletions)"))] + [
            SelectChoice(e.id, f"{e.join_code} · {tr_text(e, 'title')}") for e in events or ()]
