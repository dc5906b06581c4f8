"""Per-file rewriters (contract in ``base``). ``rewriter_for`` picks one; anything no rewriter
understands becomes a manual step, never a silent skip."""

from __future__ import annotations

from collections.abc import Sequence

from secretsops.migrate.rewriters.appsettings import AppSettingsRewriter
from secretsops.migrate.rewriters.arm import ArmParametersRewriter
from secretsops.migrate.rewriters.azure_pipelines import AzurePipelinesRewriter
from secretsops.migrate.rewriters.base import (
    Reference,
    Replacement,
    RewriteOptions,
    Rewriter,
    RewriteResult,
    Site,
)
from secretsops.migrate.rewriters.bicep import BicepRewriter
from secretsops.migrate.rewriters.credential_files import CredentialFileRewriter
from secretsops.migrate.rewriters.dotenv import ComposeRewriter, DotenvRewriter
from secretsops.migrate.rewriters.github_actions import GitHubActionsRewriter
from secretsops.migrate.rewriters.kubernetes import KubernetesSecretRewriter
from secretsops.migrate.rewriters.notebook import NotebookRewriter
from secretsops.migrate.rewriters.powershell import PowerShellRewriter
from secretsops.migrate.rewriters.private_key import PrivateKeyRewriter
from secretsops.migrate.rewriters.publish_profile import PublishProfileRewriter
from secretsops.migrate.rewriters.source_code import SourceCodeRewriter
from secretsops.migrate.rewriters.terraform import TerraformRewriter
from secretsops.migrate.rewriters.variable_group import VariableGroupRewriter


class ManualRewriter:
    """Changes nothing; lists each site with instructions for a person."""

    kind = "manual"

    def handles(self, path: str, text: str) -> bool:
        return True

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        return []

    def render(
        self,
        path: str,
        text: str,
        chosen: Sequence[tuple[Replacement, Reference]],
        options: RewriteOptions,
    ) -> RewriteResult:
        return RewriteResult(kind=self.kind, text=None)


# Specific before generic: a workflow is YAML, a compose file too; a file of PEM blocks is
# a key whatever its name.
REWRITERS: list[Rewriter] = [
    PrivateKeyRewriter(),
    CredentialFileRewriter(),  # by file name: .netrc, .pgpass... (manual steps, value to vault)
    GitHubActionsRewriter(),
    ComposeRewriter(),
    KubernetesSecretRewriter(),
    AzurePipelinesRewriter(),
    DotenvRewriter(),
    AppSettingsRewriter(),
    ArmParametersRewriter(),
    VariableGroupRewriter(),
    NotebookRewriter(),
    PublishProfileRewriter(),
    BicepRewriter(),
    TerraformRewriter(),
    PowerShellRewriter(),
    SourceCodeRewriter(),
]


def rewriter_for(path: str, text: str) -> Rewriter:
    """The first rewriter that handles the file, else the manual one."""
    for rewriter in REWRITERS:
        if rewriter.handles(path, text):
            return rewriter
    return ManualRewriter()


__all__ = [
    "REWRITERS",
    "ManualRewriter",
    "Reference",
    "Replacement",
    "RewriteOptions",
    "RewriteResult",
    "Rewriter",
    "Site",
    "rewriter_for",
]
