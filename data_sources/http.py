"""HTTP with the manners real servers need: timeouts, retries with exponential backoff on timeouts,
refused connections, 5xx and 429 (Retry-After honoured, capped), bounded bodies, and a clear
SourceUnavailable when it still fails — never a crash."""
from __future__ import annotations

import logging
import time

import orjson
import requests

from core.errors import SourceUnavailable

log = logging.getLogger(__name__)
RETRY_STATUS = {429, 500, 502, 503, 504}


class HttpClient:
    def __init__(self, timeout_s: float = 20.0, retries: int = 3, backoff_s: float = 0.5,
                 session: requests.Session | None = None, max_bytes: int = 50_000_000,
                 max_retry_after_s: float = 30.0, sleep=time.sleep):
        self.timeout_s, self.retries, self.backoff_s = timeout_s, retries, backoff_s
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", "commune-digital-brain/1.0")
        self.max_bytes, self.max_retry_after_s = max_bytes, max_retry_after_s
        self.sleep = sleep
        self.requests_made = 0

    def _wait(self, attempt: int, response: requests.Response | None) -> None:
        delay = self.backoff_s * (2 ** attempt)
        if response is not None and response.headers.get("Retry-After"):
            try:
                delay = max(delay, float(response.headers["Retry-After"]))
            except ValueError:
                pass
        self.sleep(min(delay, self.max_retry_after_s))

    def get_bytes(self, url: str, params=None) -> tuple[bytes, str]:
        """Body and content type; raises SourceUnavailable after the retries."""
        last = "no attempt"
        for attempt in range(self.retries + 1):
            response = None
            try:
                self.requests_made += 1
                response = self.session.get(url, params=params, timeout=self.timeout_s, stream=True)
                if response.status_code in RETRY_STATUS:
                    last = f"HTTP {response.status_code} from {url}"
                    response.close()
                    if attempt < self.retries:
                        self._wait(attempt, response)
                        continue
                    raise SourceUnavailable(last)
                body = self._read(response, url)
                if response.status_code >= 400:
                    raise SourceUnavailable(f"HTTP {response.status_code} from {url}: {_error_text(body)}")
                return body, response.headers.get("Content-Type", "")
            except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as err:
                last = f"{type(err).__name__} on {url}: {str(err)[:200]}"
                if attempt < self.retries:
                    self._wait(attempt, None)
                    continue
                raise SourceUnavailable(last) from err
            except requests.RequestException as err:
                raise SourceUnavailable(f"{type(err).__name__} on {url}: {str(err)[:200]}") from err
        raise SourceUnavailable(last)

    def _read(self, response: requests.Response, url: str) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_content(65536):
            size += len(chunk)
            if size > self.max_bytes:
                response.close()
                raise SourceUnavailable(f"response from {url} is over {self.max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def get_json(self, url: str, params=None):
        body, ctype = self.get_bytes(url, params)
        head = body.lstrip()[:20].lower()
        if head.startswith(b"<") or "html" in ctype:
            raise SourceUnavailable(f"HTML instead of JSON from {url}: {_error_text(body)}")
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as err:
            raise SourceUnavailable(f"malformed JSON from {url} ({len(body)} bytes): {err}") from err


def _error_text(body: bytes) -> str:
    text = body[:400].decode("utf-8", errors="replace")
    try:
        data = orjson.loads(body)
        if isinstance(data, list) and data and isinstance(data[0], dict) and "description" in data[0]:
            return str(data[0]["description"])[:300]
        if isinstance(data, dict):
            return str(data.get("message") or data.get("description") or data)[:300]
    except orjson.JSONDecodeError:
        pass
    return " ".join(text.split())[:300]
