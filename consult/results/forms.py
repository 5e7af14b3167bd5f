"""The analyst's filters (a GET form: links to a filtered view can be shared)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from consult.i18n import tr_text
from consult.participants.models import GENDER_LABELS, Source
from consult.results.queries import Filters

SOURCE_LABELS = {Source.web: _l("Web"), Source.badge: _l("Badge"), Source.paper: _l("Paper")}


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only GET form

    round = SelectField(_l("Round"), coerce=int)
    section = SelectField(_l("Section"), coerce=int)
    sector = SelectField(_l("Sector"), coerce=int)
    gender = SelectField(_l("Gender"))
    source = SelectField(_l("Source"))

    def fill_choices(self, event, rounds, sections) -> None:
        everyone = SelectChoice(0, _l("All"))
        self.round.choices = [everyone] + [SelectChoice(r.id, tr_text(r, "title")) for r in rounds]
        self.section.choices = [everyone] + [SelectChoice(s.id, tr_text(s, "title"))
                                             for s in sections]
        self.sector.choices = [everyone] + [SelectChoice(s.id, tr_text(s, "label"))
                                            for s in event.sectors]
        self.gender.choices = [SelectChoice("", _l("All"))] + [
            SelectChoice(g.value, label) for g, label in GENDER_LABELS.items()]
        self.source.choices = [SelectChoice("", _l("All"))] + [
            SelectChoice(s.value, label) for s, label in SOURCE_LABELS.items()]

    def in_force(self) -> list[tuple[str, str]]:
        """(filter label, chosen value) of each filter that narrows the figures."""
        chosen = []
        for field in (self.round, self.section, self.sector, self.gender, self.source):
            labels = {value: label for value, label, *_ in field.iter_choices()}
            if field.data not in (0, "", None) and field.data in labels:
                chosen.append((str(field.label.text), str(labels[field.data])))
        return chosen

    def filters(self, event_id: int) -> Filters:
        """The filters chosen; anything invalid counts as "all"."""
        def pick(field, empty):
            if field.data in (empty, None) or not field.validate(self):
                return None
            return field.data

        return Filters(event_id=event_id, round_id=pick(self.round, 0),
                       section_id=pick(self.section, 0), sector_id=pick(self.sector, 0),
                       gender=pick(self.gender, ""), source=pick(self.source, ""))
