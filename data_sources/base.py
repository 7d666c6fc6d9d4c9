"""What every adapter promises the ingest runner."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence

from data_sources.http import HttpClient
from ingest.records import Record


class Adapter(ABC):
    name: str = ""
    protocol: str = ""
    lateness_s: int = 3600          # the runner re-polls this far behind the watermark
    max_window_s: int | None = None  # the runner cuts longer windows into chunks

    def __init__(self, base_url: str, client: HttpClient | None = None, source: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.client = client or HttpClient()
        self.source = source or self.name

    @abstractmethod
    def poll(self, since: int, until: int, *, open_ids: Sequence[str] = ()) -> Iterator[Record]:
        """Records for [since, until) in server order. Invalid records -> Rejected, iteration goes on.
        A broken page or transport -> SourceUnavailable, after yielding what came before."""

    @abstractmethod
    def ping(self) -> dict:
        """A cheap health probe; raises SourceUnavailable."""
