"""Errors a user can cause: raised with a translated message, shown in one place."""


class ConsultError(Exception):
    """A refusal the user should read: the message is already translated (lazy)."""

    status_code = 400

    def __init__(self, message, status_code: int | None = None):
        super().__init__(str(message))
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class InvalidTransition(ConsultError):
    """A state change that is not allowed from the current state."""

    status_code = 409


class RoundNotOpen(ConsultError):
    """A response to an item whose round is not open."""

    status_code = 409
