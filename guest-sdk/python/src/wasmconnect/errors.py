"""The errors a connector raises (`connect-error` in the WIT)."""


class ConnectError(Exception):
    """An error from a connector or task; the task or connector moves to FAILED with its message.

    Any other exception raised by connector code is reported the same way, as
    ``fatal("<ExceptionType>: <message>")``; it never traps the instance.
    """

    retriable = False

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class RetriableError(ConnectError):
    """Transient (Connect's ``RetriableException``): the worker backs off and calls again
    with the same input."""

    retriable = True


class FatalError(ConnectError):
    """The task or connector cannot go on: it moves to FAILED with this message."""
