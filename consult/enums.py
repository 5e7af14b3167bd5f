"""String enums stored by value, so rows and exports stay readable."""

import enum

import sqlalchemy as sa


class StrEnum(enum.StrEnum):
    """A string enum whose members are their values (``Role.admin == "admin"``)."""


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """Return a portable enum type: VARCHAR plus a named CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )
