"""Exceptions raised by the library.

Only the CLI turns these into a message and an exit code. Every message is one line that
says what went wrong, where, and what to do next; no message ever contains a secret value.
"""

from __future__ import annotations


class SecretsopsError(Exception):
    """Base class for every error secretsops raises on purpose."""

    exit_code = 2


class UsageError(SecretsopsError):
    """The command line asks for something that cannot be done (bad path, bad option)."""


class InputError(SecretsopsError):
    """An input file is missing, unreadable or malformed."""


class NotARepositoryError(UsageError):
    """A git repository was required but the path is not inside one."""


class GitError(SecretsopsError):
    """A git command failed."""

    def __init__(self, command: list[str], returncode: int, stderr: str) -> None:
        self.command = command
        self.returncode = returncode
        self.stderr = stderr.strip()
        detail = self.stderr.splitlines()[-1] if self.stderr else f"exit code {returncode}"
        super().__init__(f"git {' '.join(command)} failed: {detail}")


class BaselineError(InputError):
    """A baseline file cannot be read or is not a detect-secrets baseline."""


class VaultError(SecretsopsError):
    """The key vault refused a request or could not be reached."""


class PurgeError(SecretsopsError):
    """Rewriting history failed (git-filter-repo, a clone or a backup); the original is intact."""


class DevOpsError(InputError):
    """The Azure DevOps organisation cannot be reached or answered something unexpected."""


class DevOpsAuthError(DevOpsError):
    """Azure DevOps refused the credentials (401), or there were none to send."""


class DevOpsAccessError(DevOpsError):
    """403 or 404 for one project or collection: reported for it, the scan goes on."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


class VaultUnreachable(VaultError):
    """The vault did not answer (network, TLS, DNS), or stopped answering mid-run."""


class VaultForbidden(VaultError):
    """403: the identity may not do this (e.g. no permission to set secrets)."""


class NameSoftDeleted(VaultError):
    """409 Conflict: a soft-deleted secret holds the name until it is recovered or purged."""

    exit_code = 1


class LeakError(SecretsopsError):
    """An output would have held a secret value; nothing was written."""


class GitHubError(InputError):
    """The GitHub API cannot be reached, refused the token, or answered something unexpected."""
