"""Errors the domain raises; the edges turn them into located messages."""


class DomainError(ValueError):
    """Bad domain input. ``field`` names the offending field, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message
