"""A small Azure DevOps REST client (api-version 7.1): projects, variable groups, build and
release definitions, with continuation-token paging and throttling.

- Paging: a list response may carry an ``x-ms-continuationtoken`` header (or a
  ``continuationToken`` field); the next page is asked for with ``continuationToken=<token>``.
- Throttling: 429 (and 503) with ``Retry-After`` are retried after the given delay (capped),
  up to ``max_retries`` times.
- 401, or a 203 sign-in page, is an authentication failure: fatal (``DevOpsAuthError``).
- 403 and 404 belong to one project or one collection: ``DevOpsAccessError``, which the scan
  reports for that project and goes on.
- A host that cannot be reached, or a reply that is not JSON: ``DevOpsError``.

Release definitions live on ``vsrm.dev.azure.com`` for ``dev.azure.com`` organisations and on
``ORG.vsrm.visualstudio.com`` for ``ORG.visualstudio.com`` ones; any other host (Azure DevOps
Server, a test server) serves them on the organisation URL itself.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from secretsops.devops.auth import Auth
from secretsops.errors import DevOpsAccessError, DevOpsAuthError, DevOpsError

API_VERSION = "7.1"
PAGE_SIZE = 100
MAX_RETRY_AFTER = 60.0


def release_base(org_url: str) -> str:
    """Where release definitions of the organisation at ``org_url`` are served."""
    parts = urllib.parse.urlsplit(org_url)
    host = parts.hostname or ""
    if host == "dev.azure.com":
        netloc = parts.netloc.replace("dev.azure.com", "vsrm.dev.azure.com", 1)
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    if host.endswith(".visualstudio.com") and ".vsrm." not in host:
        org = host.split(".", 1)[0]
        netloc = parts.netloc.replace(host, f"{org}.vsrm.visualstudio.com", 1)
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return org_url


def normalise_org_url(org: str) -> str:
    """``https://dev.azure.com/ORG/`` -> ``https://dev.azure.com/ORG``; a bad URL is an error."""
    from secretsops.errors import UsageError

    url = org.strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--org {org!r}: expected a URL such as https://dev.azure.com/ORG")
    if parts.query or parts.fragment:
        raise UsageError(f"--org {org!r}: give the organisation URL without a query")
    return url


@dataclass
class DevOpsClient:
    org_url: str
    auth: Auth
    timeout: float = 30.0
    max_retries: int = 5
    sleep: Callable[[float], None] = time.sleep
    #: Seconds waited for throttling, for the report.
    throttled_seconds: float = field(default=0.0, init=False)
    requests: int = field(default=0, init=False)

    # --- collections ------------------------------------------------------------------------

    def projects(self) -> Iterator[dict[str, Any]]:
        yield from self._pages(f"{self.org_url}/_apis/projects", {"$top": str(PAGE_SIZE)})

    def variable_groups(self, project: str) -> Iterator[dict[str, Any]]:
        url = f"{self.org_url}/{_quote(project)}/_apis/distributedtask/variablegroups"
        yield from self._pages(url, {"$top": str(PAGE_SIZE)})

    def build_definitions(self, project: str) -> Iterator[dict[str, Any]]:
        url = f"{self.org_url}/{_quote(project)}/_apis/build/definitions"
        yield from self._pages(url, {"includeAllProperties": "true", "$top": str(PAGE_SIZE)})

    def release_definitions(self, project: str) -> Iterator[dict[str, Any]]:
        url = f"{release_base(self.org_url)}/{_quote(project)}/_apis/release/definitions"
        yield from self._pages(url, {"$expand": "variables,environments", "$top": str(PAGE_SIZE)})

    def repositories(self) -> Iterator[dict[str, Any]]:
        """The git repositories of every project of the organisation (``scan org``)."""
        yield from self._pages(f"{self.org_url}/_apis/git/repositories", {})

    # --- transport --------------------------------------------------------------------------

    def _pages(self, url: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        token: str | None = None
        seen: set[str] = set()
        while True:
            query = {**params, "api-version": API_VERSION}
            if token:
                query["continuationToken"] = token
            body, headers = self.get_json(f"{url}?{urllib.parse.urlencode(query)}")
            values = body.get("value") if isinstance(body, dict) else None
            if not isinstance(values, list):
                raise DevOpsError(f"{short_url(url)}: the reply has no 'value' list")
            for value in values:
                if isinstance(value, dict):
                    yield value
            token = headers.get("x-ms-continuationtoken") or (
                body.get("continuationToken") if isinstance(body, dict) else None
            )
            if not token or not values or token in seen:
                return
            seen.add(token)

    def get_json(self, url: str) -> tuple[Any, dict[str, str]]:
        """GET ``url``; the decoded JSON and the response headers (lower-case names)."""
        attempt = 0
        while True:
            # The scheme is http(s): normalise_org_url checked the organisation URL.
            request = urllib.request.Request(  # noqa: S310
                url,
                headers={"Accept": "application/json", "Authorization": self.auth.header()},
            )
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    status = int(response.status)
                    headers = {k.lower(): v for k, v in response.headers.items()}
                    data = response.read()
            except urllib.error.HTTPError as exc:
                status = exc.code
                headers = {k.lower(): v for k, v in exc.headers.items()} if exc.headers else {}
                data = exc.read() if exc.fp is not None else b""
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                reason = getattr(exc, "reason", exc)
                raise DevOpsError(f"cannot reach {short_url(url)}: {reason}") from None
            if status in (429, 503) and attempt < self.max_retries:
                attempt += 1
                delay = retry_after(headers.get("retry-after"), attempt)
                self.throttled_seconds += delay
                self.sleep(delay)
                continue
            return self._decoded(url, status, headers, data), headers

    def _decoded(self, url: str, status: int, headers: dict[str, str], data: bytes) -> Any:
        where = short_url(url)
        if status == 401 or (status == 203 and "json" not in headers.get("content-type", "")):
            raise DevOpsAuthError(
                f"{where}: authentication failed ({status}); check AZURE_DEVOPS_EXT_PAT or "
                "sign in with `az login`"
            )
        if status in (403, 404):
            raise DevOpsAccessError(status, f"{where}: {_message(data) or _STATUS[status]}")
        if status in (429, 503):
            raise DevOpsError(f"{where}: still throttled ({status}) after retries; try later")
        if status >= 400:
            raise DevOpsError(f"{where}: HTTP {status} {_message(data)}".rstrip())
        try:
            return json.loads(data.decode("utf-8-sig") or "null")
        except (UnicodeDecodeError, ValueError):
            raise DevOpsError(f"{where}: the reply is not JSON (HTTP {status})") from None


_STATUS = {403: "access denied (403)", 404: "not found (404)"}


def retry_after(value: str | None, attempt: int) -> float:
    try:
        delay = float(value) if value is not None else float(2**attempt)
    except ValueError:
        delay = float(2**attempt)
    return max(0.0, min(delay, MAX_RETRY_AFTER))


def _message(data: bytes) -> str:
    """The ``message`` of an Azure DevOps error body, on one line, short."""
    try:
        body = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return " ".join(str(message).split())[:200] if message else ""


def _quote(project: str) -> str:
    return urllib.parse.quote(project, safe="")


def short_url(url: str) -> str:
    """The URL without its query (no token or continuation in messages)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
