"""Credentials for the Azure DevOps REST API: a PAT, or an Entra token from azure-identity.

``AZURE_DEVOPS_EXT_PAT`` (the variable the Azure DevOps CLI extension reads) wins: it is sent
as HTTP basic authentication with an empty user name. Otherwise ``DefaultAzureCredential``
(environment, workload or managed identity, ``az login``...) gets a token for Azure DevOps.
Neither the PAT nor the token ever appears in a message.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass, field
from typing import Any

from secretsops.errors import DevOpsAuthError

PAT_VARIABLE = "AZURE_DEVOPS_EXT_PAT"
#: The Entra application id of Azure DevOps; its ``.default`` scope.
DEVOPS_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"


class Auth:
    def header(self) -> str:
        raise NotImplementedError

    @property
    def kind(self) -> str:
        raise NotImplementedError


@dataclass
class PatAuth(Auth):
    pat: str = field(repr=False)

    def header(self) -> str:
        encoded = base64.b64encode(f":{self.pat}".encode()).decode("ascii")
        return f"Basic {encoded}"

    @property
    def kind(self) -> str:
        return f"personal access token ({PAT_VARIABLE})"


@dataclass
class EntraAuth(Auth):
    credential: Any = field(repr=False)
    _token: str = field(default="", repr=False)
    _expires: float = 0.0

    def header(self) -> str:
        if not self._token or self._expires - time.time() < 120:
            try:
                token = self.credential.get_token(DEVOPS_SCOPE)
            except Exception as exc:  # azure-identity raises several unrelated types
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise DevOpsAuthError(
                    f"no Azure DevOps credentials: set {PAT_VARIABLE} or sign in with "
                    f"`az login` ({first[:160]})"
                ) from None
            self._token, self._expires = token.token, float(token.expires_on)
        return f"Bearer {self._token}"

    @property
    def kind(self) -> str:
        return "Entra token (azure-identity)"


def auth_from_environment() -> Auth:
    pat = os.environ.get(PAT_VARIABLE, "").strip()
    if pat:
        return PatAuth(pat)
    from azure.identity import DefaultAzureCredential

    return EntraAuth(DefaultAzureCredential(exclude_interactive_browser_credential=True))
