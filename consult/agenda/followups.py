"""The Delphi re-vote: put contested items to the room again in a new draft round.

Each follow-up copies its item's prompts, detail, kind and options, sits in the same section,
and is linked to it by ``follows_item``; results then show the shift, the interquartile range of
both rounds and whether the room converged (``results.report``). A follow-up may itself be put
to the room again (a chain: R1-A, R1-A.2, R1-A.3).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from consult.accounts.models import User
from consult.accounts.operations import record
from consult.agenda.editing import MAX_CODE_LENGTH, OptionSpec, add_item, add_round, item_problems
from consult.agenda.models import Item, ItemKind, Round
from consult.errors import ConsultError
from consult.events.models import Event
from consult.i18n import format_list, tr_text

#: A code that already ends in a follow-up number (``R1-A.2``): its follow-up is ``R1-A.3``.
FOLLOW_NUMBER = re.compile(r"^(?P<base>.+)\.(?P<n>[0-9]+)$")


class FollowUpError(ConsultError):
    """A re-vote refused: nothing picked, an item of another event, an open-text item."""


def put_again(event: Event, items: Sequence[Item | None], actor: User | None) -> Round:
    """Create a draft round of follow-ups to ``items`` (in agenda order); return the round.

    ``None`` in ``items`` stands for an item id that names no item. Refused, with nothing
    written, when no item is given, or one is missing, of another event, or an open-text item.
    """
    if not items:
        raise FollowUpError(_l("Pick at least one item to put to the room again."))
    if any(item is None or item.event_id != event.id for item in items):
        raise FollowUpError(_l("Only items of this event can be put to its room again."))
    texts = [item.code for item in items if item.kind == ItemKind.text]
    if texts:
        raise FollowUpError(_l("%(codes)s: an open-text item has no figures to compare, so it "
                               "cannot be put to the room again.", codes=format_list(texts)))
    unique = {item.id: item for item in items}.values()
    ordered = sorted(unique, key=lambda i: (i.section.position, i.position))
    round_ = add_round(event, actor, audit=False, **_round_titles(ordered))
    followers = []
    for item in ordered:
        followers.append(add_item(
            event, actor, section=item.section, round=round_, kind=item.kind.value,
            code=follow_up_code(event, item.code), prompt_en=item.prompt_en,
            prompt_km=item.prompt_km, detail_en=item.detail_en, detail_km=item.detail_km,
            allow_comment=item.allow_comment, max_choices=item.max_choices, top_k=item.top_k,
            options=[OptionSpec(o.code, o.label_en, o.label_km) for o in item.options],
            follows=item, audit=False))
    record("agenda.followups", user=actor, event_id=event.id, target=round_, round_id=round_.id,
           items=[f.code for f in followers], follows=[i.code for i in ordered])
    return round_


def follow_up_code(event: Event, code: str) -> str:
    """The first free code after ``code``: R1-A → R1-A.2 (R1-A.3 if taken); R1-A.2 → R1-A.3."""
    match = FOLLOW_NUMBER.match(code)
    base, number = (match["base"], int(match["n"]) + 1) if match else (code, 2)
    while True:
        suffix = f".{number}"
        candidate = base[:MAX_CODE_LENGTH - len(suffix)] + suffix
        problems = item_problems(event=event, kind=ItemKind.agreement.value, code=candidate,
                                 prompt_en="-", prompt_km="-")
        if not any(p.field == "code" for p in problems):
            return candidate
        number += 1


def _round_titles(items: Sequence[Item]) -> dict[str, str]:
    """"Re-vote: <the original round's title>" in each language (several rounds: listed)."""
    rounds = list({i.round.id: i.round for i in items if i.round is not None}.values())
    titles = {}
    for lang in ("en", "km"):
        with force_locale(lang):
            if rounds:
                names = format_list([tr_text(r, "title", lang) for r in rounds])
                titles[f"title_{lang}"] = str(_l("Re-vote: %(round)s", round=names))[:300]
            else:
                titles[f"title_{lang}"] = str(_l("Re-vote"))
    return titles
