"""Repositories of a GitHub organisation or an Azure DevOps organisation, from their REST APIs.

Azure DevOps goes through the existing client (``secretsops.devops.client``: continuation
paging, 429/503 with ``Retry-After``, 401/403/404 as one-line errors). GitHub is listed the same
way by ``GitHubClient``: ``GET /orgs/{org}/repos`` 100 a page, following the ``Link: rel="next"``
header; 429, and 403 with ``Retry-After`` or an exhausted ``X-RateLimit-Remaining``, wait the
given time (capped) and try again; 401 is a refused token. The token comes from
``GITHUB_TOKEN`` (else ``GH_TOKEN``); without one only public repositories are listed.
``GITHUB_API_URL`` (set on GitHub Actions runners, GitHub Enterprise Server) or ``--github-api``
names another API root.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from secretsops.devops.client import MAX_RETRY_AFTER, retry_after, short_url
from secretsops.errors import GitHubError, UsageError
from secretsops.org.repos import RepoSpec, spec_for_url

GITHUB_API = "https://api.github.com"
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def github_token() -> str:
    for name in TOKEN_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return ""


def github_api_url(given: str | None) -> str:
    url = (given or os.environ.get("GITHUB_API_URL") or GITHUB_API).strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--github-api {url!r}: expected a URL such as {GITHUB_API}")
    return url


@dataclass
class GitHubClient:
    api_url: str
    token: str = field(default="", repr=False)
    timeout: float = 30.0
    max_retries: int = 5
    sleep: Callable[[float], None] = time.sleep
    throttled_seconds: float = field(default=0.0, init=False)
    requests: int = field(default=0, init=False)

    def org_repositories(self, org: str) -> Iterator[dict[str, Any]]:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", org):
            raise UsageError(f"--github-org {org!r}: not an organisation name")
        query = urllib.parse.urlencode({"per_page": "100", "type": "all"})
        url: str | None = f"{self.api_url}/orgs/{urllib.parse.quote(org)}/repos?{query}"
        seen: set[str] = set()
        while url is not None and url not in seen:
            seen.add(url)
            body, headers = self.get_json(url)
            if not isinstance(body, list):
                raise GitHubError(f"{short_url(url)}: the reply is not a list of repositories")
            yield from (item for item in body if isinstance(item, dict))
            match = _NEXT.search(headers.get("link", ""))
            url = match.group(1) if match and body else None

    def get_json(self, url: str) -> tuple[Any, dict[str, str]]:
        attempt = 0
        while True:
            head = {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "secretsops",
            }
            if self.token:
                head["Authorization"] = f"Bearer {self.token}"
            request = urllib.request.Request(url, headers=head)  # noqa: S310 - http(s) checked
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
                raise GitHubError(f"cannot reach {short_url(url)}: {reason}") from None
            delay = self._throttle(status, headers, attempt + 1)
            if delay is not None and attempt < self.max_retries:
                attempt += 1
                self.throttled_seconds += delay
                self.sleep(delay)
                continue
            return self._decoded(url, status, data), headers

    @staticmethod
    def _throttle(status: int, headers: dict[str, str], attempt: int) -> float | None:
        """Seconds to wait before asking again, or None when the answer is final."""
        if status == 429 or (status == 403 and "retry-after" in headers):
            return retry_after(headers.get("retry-after"), attempt)
        if status == 403 and headers.get("x-ratelimit-remaining") == "0":
            try:
                wait = float(headers.get("x-ratelimit-reset", "")) - time.time()
            except ValueError:
                return retry_after(None, attempt)
            if wait > MAX_RETRY_AFTER:
                return None  # hours away: report it rather than hang
            return max(wait, 0.0) + 1.0
        return None

    @staticmethod
    def _decoded(url: str, status: int, data: bytes) -> Any:
        where = short_url(url)
        if status == 401:
            raise GitHubError(f"{where}: authentication failed (401); check GITHUB_TOKEN")
        if status == 404:
            raise GitHubError(f"{where}: not found (404): no such organisation, or no access")
        if status in (403, 429):
            raise GitHubError(
                f"{where}: {_message(data) or 'rate limited'} ({status}); try later or set "
                "GITHUB_TOKEN"
            )
        if status >= 400:
            raise GitHubError(f"{where}: HTTP {status} {_message(data)}".rstrip())
        try:
            return json.loads(data.decode("utf-8-sig") or "null")
        except (UnicodeDecodeError, ValueError):
            raise GitHubError(f"{where}: the reply is not JSON (HTTP {status})") from None


def _message(data: bytes) -> str:
    try:
        body = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return " ".join(str(message).split())[:200] if message else ""


def github_specs(client: GitHubClient, org: str) -> list[RepoSpec]:
    """One spec per repository of ``org`` (archived and forks included: they hold history)."""
    specs = []
    for repo in client.org_repositories(org):
        url = repo.get("clone_url")
        if not isinstance(url, str) or not url:
            continue
        name = str(repo.get("full_name") or "") or None
        specs.append(spec_for_url(url, name=name, auth="github", size=_kib(repo.get("size"))))
    return specs


def devops_specs(org_url: str, warn: Callable[[str], None]) -> list[RepoSpec]:
    """One spec per enabled git repository of every project of the organisation."""
    from secretsops.devops.auth import auth_from_environment
    from secretsops.devops.client import DevOpsClient, normalise_org_url

    client = DevOpsClient(normalise_org_url(org_url), auth_from_environment())
    specs = []
    for repo in client.repositories():
        url = repo.get("remoteUrl")
        if not isinstance(url, str) or not url:
            continue
        project = repo.get("project")
        project_name = project.get("name") if isinstance(project, dict) else None
        name = f"{project_name}/{repo.get('name')}" if project_name else None
        if repo.get("isDisabled"):
            warn(f"skipping {name or url}: the repository is disabled")
            continue
        size = _kib(repo.get("size")) // 1024  # Azure DevOps gives bytes
        specs.append(spec_for_url(url, name=name, auth="devops", size=size))
    return specs


def _kib(value: object) -> int:
    return value if isinstance(value, int) and value > 0 else 0
