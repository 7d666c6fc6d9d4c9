"""Expected problems, each carrying an i18n key so the page can say what went wrong in the user's language."""
from __future__ import annotations


class AppError(Exception):
    """Base for problems a user or operator should read about, not a traceback."""

    def __init__(self, key: str, **values: object):
        super().__init__(key)
        self.key = key
        self.values = values

    def __str__(self) -> str:
        extra = ", ".join(f"{k}={v}" for k, v in self.values.items())
        return f"{self.key}({extra})" if extra else self.key


class BadParam(AppError):
    """A URL parameter, filter or upload field that cannot be used."""


class SiteConfigError(AppError):
    """The site file is wrong; the message names the entry."""


class SourceUnavailable(Exception):
    """A poll failed as a whole (timeout, refused, 5xx/429 after retries, HTML instead of JSON).
    Ingest marks the source unhealthy and keeps its watermark where it was."""
