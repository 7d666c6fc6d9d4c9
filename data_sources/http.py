"""HTTP with the manners real servers need: timeouts, retries with exponential backoff on timeouts,
refused connections, 5xx and 429 (Retry-After honoured, capped), bounded bodies, and a clear
SourceUnavailable when it still fails — never a crash.

Error messages end up in source_health.last_error, on the Data page and in `status`: they are of our
own making (status code, the URL without its query or credentials, what kind of body came and how big),
never a copy of what the server sent. Only a protocol's own error message (Open311's `description`,
FROST's `message`) is quoted, cut short and reduced to letters, digits and plain punctuation."""
from __future__ import annotations

import logging
import re
import time
from urllib.parse import urlsplit

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
        # requests reads the environment (proxy variables, CA bundle, ~/.netrc) again on every request: a
        # tenth of a back-fill's CPU. Our own session reads it once per origin instead (_environment); one
        # handed to us is left as its owner set it up.
        self._environment: dict | None = None
        if session is None:
            self.session.trust_env = False
            self._environment = {}
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

    def _settings_for(self, url: str) -> dict:
        """What requests would take from the environment for this URL's origin (proxies honouring NO_PROXY,
        REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, ~/.netrc credentials), read on the origin's first request."""
        if self._environment is None:
            return {}
        try:
            key = origin(url)
        except ValueError:
            key = None
        got = self._environment.get(key)
        if got is None:
            reader = requests.Session()      # trust_env on: requests' own reading of the environment
            merged = reader.merge_environment_settings(url, {}, None, None, None)
            got = {"proxies": merged["proxies"], "verify": merged["verify"]}
            auth = requests.utils.get_netrc_auth(url)
            if auth:
                got["auth"] = auth
            reader.close()
            self._environment[key] = got
        return got

    def get_bytes(self, url: str, params=None) -> tuple[bytes, str]:
        """Body and content type; raises SourceUnavailable after the retries."""
        last = "no attempt"
        for attempt in range(self.retries + 1):
            response = None
            try:
                self.requests_made += 1
                response = self.session.get(url, params=params, timeout=self.timeout_s, stream=True,
                                            **self._settings_for(url))
                if response.status_code in RETRY_STATUS:
                    last = f"HTTP {response.status_code} from {safe_url(url)}"
                    response.close()
                    if attempt < self.retries:
                        self._wait(attempt, response)
                        continue
                    raise SourceUnavailable(last)
                body = self._read(response, url)
                if response.status_code >= 400:
                    raise SourceUnavailable(f"HTTP {response.status_code} from {safe_url(url)}: {describe_body(body)}")
                return body, response.headers.get("Content-Type", "")
            except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as err:
                last = f"{type(err).__name__} on {safe_url(url)}"
                if attempt < self.retries:
                    self._wait(attempt, None)
                    continue
                raise SourceUnavailable(last) from err
            except requests.RequestException as err:
                raise SourceUnavailable(f"{type(err).__name__} on {safe_url(url)}") from err
        raise SourceUnavailable(last)

    def _read(self, response: requests.Response, url: str) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_content(65536):
            size += len(chunk)
            if size > self.max_bytes:
                response.close()
                raise SourceUnavailable(f"response from {safe_url(url)} is over {self.max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def get_json(self, url: str, params=None):
        body, ctype = self.get_bytes(url, params)
        head = body.lstrip()[:20].lower()
        if head.startswith(b"<") or "html" in ctype:
            raise SourceUnavailable(f"HTML instead of JSON from {safe_url(url)} ({len(body)} bytes)")
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as err:
            raise SourceUnavailable(f"malformed JSON from {safe_url(url)} ({len(body)} bytes)") from err


_PLAIN = re.compile(r"[^\w .,:;()'%/+\-]+")


def plain(text: object, limit: int = 120) -> str:
    """A short quote safe to store and show: letters (any script), digits, spaces, plain punctuation."""
    return " ".join(_PLAIN.sub(" ", str(text)).split())[:limit]


def safe_url(url: str) -> str:
    """scheme://host:port/path of a URL we called: no credentials, no query (tokens live there)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unreadable URL)"
    return plain(f"{parts.scheme}://{host}{port}{parts.path}", 160).replace(" ", "%20")


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in; ValueError if unreadable."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def shape(data: object) -> str:
    """What a JSON document is, in our words: 'an object with 3 keys', 'a list of 2', 'a string'."""
    if isinstance(data, dict):
        return f"an object with {len(data)} keys"
    if isinstance(data, list):
        return f"a list of {len(data)}"
    return {str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(type(data), "null")


def describe_body(body: bytes) -> str:
    """An error body described, not copied: its kind and size, plus the protocol's own error message
    (Open311 `description`, FROST/JSON `message`) reduced by `plain`."""
    size = f"{len(body)} bytes"
    head = body.lstrip()[:20].lower()
    if not body.strip():
        return "empty body"
    if head.startswith(b"<"):
        return f"HTML or XML page ({size})"
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return f"text ({size})"
    message = None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        message = data[0].get("description")
    elif isinstance(data, dict):
        message = data.get("message") or data.get("description") or data.get("error")
    if isinstance(message, str) and plain(message):
        return f"JSON error ({size}): {plain(message)}"
    return f"JSON, {shape(data)} ({size})"
