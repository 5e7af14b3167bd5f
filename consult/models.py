"""Import every model, so the metadata is complete (Alembic, create_all, tests)."""

from consult.accounts.models import AuditEntry, Role, User
from consult.agenda.models import Item, ItemKind, ItemOption, Round, RoundState, Section
from consult.events.models import Event, EventStaff, EventStatus, JoinMode, Sector
from consult.participants.models import Gender, Participant, Source
from consult.results.jobs import ExportJob
from consult.voting.models import BallotStatus, PaperBallot, Response, ResponseChoice

__all__ = [
    "AuditEntry", "BallotStatus", "Event", "EventStaff", "EventStatus", "ExportJob", "Gender",
    "Item", "ItemKind", "ItemOption", "JoinMode", "PaperBallot", "Participant", "Response",
    "ResponseChoice", "Role", "Round", "RoundState", "Section", "Sector", "Source", "User",
]
