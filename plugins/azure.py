"""Azure and Microsoft Entra ID credentials.

Microsoft's *identifiable* keys carry a fixed 4-character signature at a fixed offset (for
example ``+ASt`` for storage account keys, ``AZDO`` for Azure DevOps PATs); those detectors
match the signature anywhere, with confidence ``high`` on the signature alone (their Marvin32
checksum is not verified; see ``secretsops.scan.checksums``). Older key formats are random base64
or hex, so they are matched only in context: a connection string, a header, a host name or a
variable name that says which service the key belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from detect_secrets.plugins import base
from secretsops_plugins import _base

B64 = _base.B64
_B = _base.NOT_B64_BEFORE
_A = _base.NOT_B64_AFTER

# Signatures are split so that this file does not itself look like a key to any detector.
SIG_STORAGE = re.escape("+A" + "St")
SIG_COSMOS = "AC" + "Db"
SIG_BATCH = re.escape("+A" + "Ba")
SIG_APIM = "AP" + "IM"
SIG_MESSAGING = r"(?:\+A" + "Sb|\\+A" + "Eh|\\+A" + "Rm|AI" + "oT)"
SIG_EVENTGRID = "AZ" + "EG"
SIG_REDIS = "Az" + "Ca"
SIG_FUNCTIONS = "Az" + "Fu"
SIG_SEARCH = "Az" + "Se"
SIG_ACR = re.escape("+A" + "CR")
CASK = "JQQ" + "J9"


def _key64(signature: str) -> str:
    """A 64-byte identifiable key (88 base64 characters) with ``signature`` at offset 76."""
    return rf"{_B}([{B64}]{{76}}{signature}[{B64}]{{5}}[AQgw]==){_A}"


def _key32(signature: str) -> str:
    """A 32-byte identifiable key (44 base64 characters) with ``signature`` at offset 33."""
    return rf"{_B}([{B64}]{{33}}{signature}[A-P][{B64}]{{5}}=){_A}"


def _cask(provider: str) -> str:
    """An 84-character common annotated security key with ``provider`` at offset 76."""
    return (
        rf"(?<![A-Za-z0-9])([A-Za-z0-9]{{52}}{CASK}[9DH][A-Za-z0-9][A-L][A-Za-z0-9]{{16}}"
        rf"{provider}[A-Za-z0-9]{{4}})(?![A-Za-z0-9])"
    )


ANY_KEY88 = re.compile(rf"{_B}([{B64}]{{86}}==){_A}")
ANY_KEY44 = re.compile(rf"{_B}([{B64}]{{43}}=){_A}")
HEX32 = re.compile(r"(?<![0-9A-Za-z])([0-9a-fA-F]{32})(?![0-9A-Za-z])")
HEX32_LOWER = re.compile(r"(?<![0-9A-Za-z])([0-9a-f]{32})(?![0-9A-Za-z])")
HEX32_UPPER = re.compile(r"(?<![0-9A-Za-z])([0-9A-F]{32})(?![0-9A-Za-z])")
APIM_HEADER = re.compile(r"(?i)ocp-apim-subscription-key|subscription-key=")


def _joined(context: list[str], line: str) -> str:
    return "\n".join([*context, line])


class EntraClientSecretDetector(base.RegexBasedDetector):
    """Microsoft Entra ID (Azure AD) application client secrets, the ``Q~`` format."""

    secret_type = "Entra ID Client Secret"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "high"
    provider = "Microsoft Entra ID"
    denylist = (
        re.compile(
            r"(?:^|[\\'\"`\s>=:(,\[])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})"
            r"(?=$|[\\'\"`\s<),\];])"
        ),
    )


class AzureStorageKeyDetector(_base.LineDetector):
    """Azure Storage account keys: ``AccountKey=`` and 88 base64 characters (with or without
    the ``==`` ending, as detect-secrets takes them) in a storage connection string (not a
    Cosmos DB one), the identifiable ``+ASt`` format anywhere, and 88-character keys given to
    ``--account-key`` or to a variable named like a storage key.

    Replaces detect-secrets' detector of the same class name and type, whose value was the whole
    ``AccountKey=...`` text; this one reports the key itself.
    """

    secret_type = "Azure Storage Account access key"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure Storage"
    identifiable = re.compile(_key64(SIG_STORAGE))
    # 88 characters as detect-secrets' own pattern takes them: a key that lost its ``==`` (or
    # was cut or re-encoded) is still the key, never stricter than the engine we build on.
    in_string = re.compile(rf"AccountKey=([{B64}]{{86}}[{B64}=]{{2}}){_A}")
    named = re.compile(
        rf"(?i:storage[\w.\-]*?key|account[-_]?key|--account-key)[\"'\]]?\s*(?::|=|\s)\s*"
        rf"[\"']?([{B64}]{{86}}==){_A}"
    )
    necessary_patterns = (
        re.compile("AccountKey="),
        re.compile(SIG_STORAGE),
        re.compile(r"(?i:storage|account[-_]?key)"),
    )

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        yield from self.identifiable.findall(line)
        cosmos = "AccountEndpoint=" in line or "documents.azure.com" in line
        if not cosmos:
            yield from self.in_string.findall(line)
            if not re.search(r"(?i)cosmos|batch", line):
                yield from self.named.findall(line)


class AzureCosmosDbKeyDetector(_base.LineDetector):
    """Azure Cosmos DB account keys: ``AccountKey=`` in a Cosmos DB connection string
    (``AccountEndpoint=``), the identifiable ``ACDb`` format, and 88-character keys on a line or
    near a line that names Cosmos DB (``documents.azure.com``, ``cosmos``)."""

    secret_type = "Azure Cosmos DB Key"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure Cosmos DB"
    identifiable = re.compile(_key64(SIG_COSMOS))
    necessary_patterns = (
        re.compile(SIG_COSMOS),
        re.compile(rf"[{B64}]{{86}}=="),
    )

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        yield from self.identifiable.findall(line)
        if "AccountEndpoint=" in line or re.search(r"(?i)cosmos|documents\.azure\.com", line):
            yield from ANY_KEY88.findall(line)
            return
        named_key = bool(re.search(r"(?i)key", line)) and "AccountKey=" not in line
        other = re.search(r"(?i)storage|batch", line)
        near = re.search(r"(?i)documents\.azure\.com|cosmos", _joined(context, ""))
        if named_key and near and not other:
            yield from ANY_KEY88.findall(line)


class AzureSharedAccessKeyDetector(_base.LineDetector):
    """Shared access keys of Service Bus, Event Hubs, Relay and IoT Hub: ``SharedAccessKey=`` in
    their connection strings, and the identifiable ``+ASb`` (Service Bus), ``+AEh`` (Event Hubs),
    ``+ARm`` (Relay) and ``AIoT`` (IoT Hub, DPS, devices) formats anywhere."""

    secret_type = "Azure Shared Access Key"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure Service Bus, Event Hubs, Relay, IoT Hub"
    identifiable = re.compile(_key32(SIG_MESSAGING))
    in_string = re.compile(rf"SharedAccessKey=([{B64}]{{42,43}}=){_A}")
    necessary_patterns = (
        re.compile("SharedAccessKey="),
        re.compile(SIG_MESSAGING),
    )

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        yield from self.identifiable.findall(line)
        yield from self.in_string.findall(line)


class AzureSasTokenDetector(_base.LineDetector):
    """Shared access signatures: the ``sig=`` of a SAS URL or token (storage ``sv=...&sig=``,
    Service Bus ``SharedAccessSignature sr=...&sig=``), plain or URL-encoded."""

    secret_type = "Azure SAS Token"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure Storage, Service Bus, Event Hubs"
    sig = re.compile(
        r"(?:^|[?&;\s\"'])sig=((?:[A-Za-z0-9+/]|%2[BbFf]){42,43}(?:=|%3[Dd])?)(?![A-Za-z0-9%])"
    )
    fields = re.compile(r"(?:^|[?&;\s\"'])(?:sv|sr|se|sp|skn|spr|srt|ss)=")
    necessary_patterns = (re.compile("sig="),)

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        if self.fields.search(line):
            yield from self.sig.findall(line)


class SqlConnectionStringDetector(_base.LineDetector):
    """The password of an ADO.NET, ODBC or JDBC connection string (Azure SQL, SQL Server,
    PostgreSQL, MySQL): ``Password=`` or ``Pwd=`` on a line that also has ``Server=``,
    ``Data Source=``, ``Host=`` or a ``jdbc:`` URL (also in its query:
    ``?user=..&password=..``)."""

    secret_type = "SQL Connection String Password"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure SQL, SQL Server, PostgreSQL, MySQL"
    server = re.compile(
        r"(?i)(?:^|[;\"'\s])(?:server|data source|address|addr|network address|host)\s*=|jdbc:"
    )
    password = re.compile(
        r"(?i)(?:^|[;\"'\s?&])(?:password|pwd)\s*=\s*(?:'([^'\s]+)'|\{([^}\s]+)\}|([^;&\"'\s<>]+))"
    )
    necessary_patterns = (re.compile(r"(?i:password|pwd)\s*="),)

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        if not self.server.search(line):
            return
        for groups in self.password.findall(line):
            value = next((g for g in groups if g), "")
            if value:
                yield value


class AzureRedisKeyDetector(_base.LineDetector):
    """Azure Cache for Redis access keys: ``password=`` in a StackExchange.Redis connection
    string to ``*.redis.cache.windows.net``, a 44-character key on a line that names a key or
    password near such a host name (``"Host": "...redis.cache.windows.net"``, then
    ``"AccessKey": "..."`` in ``appsettings.json``), and the identifiable ``AzCa`` format."""

    secret_type = "Azure Cache for Redis Key"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure Cache for Redis"
    identifiable = re.compile(
        rf"(?<![A-Za-z0-9])([A-Za-z0-9]{{33}}{SIG_REDIS}[A-P][A-Za-z0-9]{{5}}=)(?![A-Za-z0-9=])"
    )
    password = re.compile(r"(?i:password)=([^,;\"'\s]{8,})")
    necessary_patterns = (
        re.compile(SIG_REDIS),
        re.compile(r"(?i:redis)"),
        re.compile(r"(?i:key|password)[^\n]*[A-Za-z0-9+/]{43}="),
    )

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        yield from self.identifiable.findall(line)
        if re.search(r"(?i)redis\.cache\.windows\.net|redis", line):
            yield from (v for v in self.password.findall(line) if SIG_REDIS not in v)
        elif re.search(r"(?i)key|password", line) and re.search(
            r"(?i)\.redis\.cache\.windows\.net", _joined(self.before[-6:], "")
        ):
            yield from (v for v in ANY_KEY44.findall(line) if SIG_REDIS not in v)


class AzureDevOpsPatDetector(_base.LineDetector):
    """Azure DevOps personal access tokens: the identifiable 84-character form (``JQQJ9`` and the
    ``AZDO`` signature) anywhere, and the legacy 52-character base32 form on a line that names
    Azure DevOps (``dev.azure.com``, ``visualstudio.com``, ``AZURE_DEVOPS``, ``ADO``, ``PAT``,
    ``VSTS``, ``System.AccessToken``)."""

    secret_type = "Azure DevOps Personal Access Token"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure DevOps"
    identifiable = re.compile(_cask("AZ" + "DO"))
    legacy = re.compile(r"(?<![A-Za-z0-9])([a-z2-7]{52})(?![A-Za-z0-9])")
    context_words = re.compile(
        r"(?i:azure[-_ ]?devops|dev\.azure\.com|visualstudio\.com|vsts|azdo|\bado\b|ado_|_ado\b"
        r"|\bpat\b|_pat\b|pat_|personal[-_ ]?access[-_ ]?token|accesstoken|access_token)"
    )
    necessary_patterns = (re.compile(CASK), context_words)

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        yield from self.identifiable.findall(line)
        if self.context_words.search(line):
            for value in self.legacy.findall(line):
                if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
                    yield value

    def confidence_for(self, secret: str) -> str:
        return "high" if CASK in secret else "medium"


class AzureFunctionKeyDetector(_base.LineDetector):
    """Azure Functions keys: the identifiable ``AzFu`` format, and older keys in an
    ``x-functions-key`` header or the ``code=`` of a ``*.azurewebsites.net/api/`` URL."""

    secret_type = "Azure Functions Key"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure Functions"
    identifiable = re.compile(
        rf"(?<![A-Za-z0-9_\-])([A-Za-z0-9_\-]{{44}}{SIG_FUNCTIONS}[A-Za-z0-9_\-]{{5}}[AQgw]==)"
    )
    header = re.compile(
        r"(?i:x-functions-key)[\"']?\s*[:=,]\s*[\"']?([A-Za-z0-9_\-/+]{40,56}(?:==|%3D%3D)?)"
        r"(?![A-Za-z0-9_\-/+=])"
    )
    code = re.compile(
        r"(?i:\.azurewebsites\.net/api/)[^\s?\"']*\?(?:[^\s\"']*&)?code="
        r"([A-Za-z0-9_\-/+%]{40,60}(?:==|%3D%3D)?)(?![A-Za-z0-9_\-/+=%])"
    )
    necessary_patterns = (
        re.compile(SIG_FUNCTIONS),
        re.compile(r"(?i:x-functions-key)"),
        re.compile(r"(?i:\.azurewebsites\.net/api/)"),
    )

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        yield from self.identifiable.findall(line)
        if SIG_FUNCTIONS not in line:
            yield from self.header.findall(line)
            yield from self.code.findall(line)


class AzureSearchKeyDetector(_base.LineDetector):
    """Azure AI Search (Cognitive Search) keys: the identifiable ``AzSe`` format, and 32-digit
    hex admin or query keys on a line that names a key, near ``*.search.windows.net`` or a
    search variable."""

    secret_type = "Azure AI Search Key"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure AI Search"
    identifiable = re.compile(
        rf"(?<![A-Za-z0-9])([A-Za-z0-9]{{42}}{SIG_SEARCH}[A-D][A-Za-z0-9]{{5}})(?![A-Za-z0-9])"
    )
    necessary_patterns = (re.compile(SIG_SEARCH), re.compile(r"(?i:search)"))

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        yield from self.identifiable.findall(line)
        if re.search(r"(?i)key|credential", line) and re.search(
            r"(?i)search\.windows\.net|search[\w.\-]*(?:key|credential)", _joined(context, line)
        ):
            yield from HEX32_UPPER.findall(line)


class AzureContainerRegistryKeyDetector(_base.LineDetector):
    """Azure Container Registry passwords: the identifiable ``+ACR`` format, and admin
    passwords passed with ``-p``/``--password`` or assigned to a password name near
    ``*.azurecr.io``."""

    secret_type = "Azure Container Registry Password"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure Container Registry"
    identifiable = re.compile(
        rf"(?<![A-Za-z0-9+/])([A-Za-z0-9+/]{{42}}{SIG_ACR}[A-D][A-Za-z0-9+/]{{5}})(?![A-Za-z0-9+/])"
    )
    password = re.compile(
        r"(?i:password|passwd|pwd|\s-p)[\w\"'\]]*\s*(?:[:=]|\s)\s*[\"']?"
        r"([A-Za-z0-9+/=]{32,52})(?![A-Za-z0-9+/=])"
    )
    necessary_patterns = (re.compile(SIG_ACR), re.compile(r"(?i:password|passwd|pwd|\s-p)"))

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        yield from self.identifiable.findall(line)
        if "azurecr.io" in _joined(context, line) and SIG_ACR.replace("\\", "") not in line:
            yield from self.password.findall(line)


class AzureApiManagementKeyDetector(_base.LineDetector):
    """Azure API Management subscription keys: 32-digit hex in an ``Ocp-Apim-Subscription-Key``
    header or a ``subscription-key=`` query (unless the context names Azure AI services, whose
    detector takes those), and the identifiable ``APIM`` format."""

    secret_type = "Azure API Management Subscription Key"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure API Management"
    identifiable = re.compile(_key64(SIG_APIM))
    header = re.compile(
        r"(?i:ocp-apim-subscription-key|subscription-key|apim[\w\-]*key)[\"'\]]?\s*[:=,]\s*"
        r"[\"']?([0-9a-fA-F]{32})(?![0-9A-Za-z])"
    )
    necessary_patterns = (re.compile(SIG_APIM), re.compile(r"(?i:subscription-key|apim)"))

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        yield from self.identifiable.findall(line)
        if not AzureAIServicesKeyDetector.services.search(line):
            yield from self.header.findall(line)


class AzureEventGridKeyDetector(_base.LineDetector):
    """Azure Event Grid access keys: the identifiable ``AZEG`` format, an ``aeg-sas-key``
    header, and 44-character keys named as a key near ``*.eventgrid.azure.net``."""

    secret_type = "Azure Event Grid Access Key"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure Event Grid"
    identifiable = re.compile(_key32(SIG_EVENTGRID))
    necessary_patterns = (re.compile(SIG_EVENTGRID), re.compile(r"(?i:aeg-sas-key|eventgrid)"))

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        yield from self.identifiable.findall(line)
        if re.search(r"(?i)aeg-sas-key", line) or (
            re.search(r"(?i)key|credential", line)
            and re.search(r"(?i)eventgrid", _joined(context, line))
        ):
            yield from (v for v in ANY_KEY44.findall(line) if SIG_EVENTGRID not in v)


class AzureBatchKeyDetector(_base.LineDetector):
    """Azure Batch account keys: the identifiable ``+ABa`` format, and 88-character keys on a
    line that names a key near ``*.batch.azure.com`` or a Batch variable."""

    secret_type = "Azure Batch Account Key"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure Batch"
    identifiable = re.compile(_key64(SIG_BATCH))
    necessary_patterns = (re.compile(SIG_BATCH), re.compile(r"(?i:batch)"))

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        yield from self.identifiable.findall(line)
        if re.search(r"(?i)batch", line) and re.search(r"(?i)key|credential", line):
            yield from (v for v in ANY_KEY88.findall(line) if not self.identifiable.search(v))


class AzureAIServicesKeyDetector(_base.LineDetector):
    """Azure AI services keys (Cognitive Services, Azure OpenAI, Speech, Language, Vision,
    Document Intelligence...): the 84-character identifiable form (``JQQJ9`` and ``ACOG``), and
    32-digit hex keys on a line that names a key, with the service named on the line or near it
    (``openai.azure.com``, ``cognitiveservices.azure.com``, ``AZURE_OPENAI``...)."""

    secret_type = "Azure AI Services Key"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure AI services, Azure OpenAI"
    identifiable = re.compile(_cask("AC" + "OG"))
    services = re.compile(
        r"(?i)openai|cognitive|api\.cognitive\.microsoft\.com|speech|translator"
        r"|computer[-_ ]?vision"
        r"|form[-_ ]?recognizer|document[-_ ]?intelligence|ai[-_ ]?services|text[-_ ]?analytics"
        r"|content[-_ ]?safety|face[-_ ]?api"
    )
    necessary_patterns = (re.compile(CASK), re.compile(r"(?i:key)"))

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        yield from self.identifiable.findall(line)
        if not re.search(r"(?i)key", line) or re.search(r"(?i)search", line):
            return
        named_here = self.services.search(line)
        if named_here or (
            not APIM_HEADER.search(line) and self.services.search(_joined(context, line))
        ):
            yield from HEX32_LOWER.findall(line)


class AzurePublishProfileDetector(base.RegexBasedDetector):
    """Azure App Service publish profile passwords: ``userPWD="..."`` in a ``.PublishSettings``
    file or a copy of it."""

    secret_type = "Azure Publish Profile Password"  # noqa: S105  # pragma: allowlist secret
    confidence = "high"
    provider = "Azure App Service"
    denylist = (re.compile(r"userPWD=\"([^\"\s]{8,})\""),)


class AzureTemplateParameterDetector(_base.LineDetector):
    """Literal secrets in ARM and Bicep parameters: in an ARM parameters file, the ``"value"``
    of a parameter named like a password, secret, key or token; an ARM ``"defaultValue"`` of a
    ``securestring`` parameter (both also on one line: ``"adminPassword": { "value": "..." }``);
    a Bicep ``param <password-like name> [string] = '<literal>'``."""

    secret_type = "Azure Template Parameter Secret"  # noqa: S105  # pragma: allowlist secret
    confidence = "medium"
    provider = "Azure Resource Manager, Bicep"
    value = re.compile(r"^\s*\"(?:value|defaultValue)\"\s*:\s*\"([^\"]{4,})\"")
    parameter = re.compile(
        r"(?i)\"[\w\-]*(?:password|passwd|pwd|secret|key|token|connectionstring)[\w\-]*\"\s*:\s*\{"
    )
    inline = re.compile(
        r"\"([\w\-]+)\"\s*:\s*\{([^{}]*?)\"(value|defaultValue)\"\s*:\s*\"([^\"]{4,})\""
    )
    bicep = re.compile(
        r"^\s*param\s+(?i:\w*(?:password|passwd|pwd|secret|key|token)\w*)\s+(?:string\s+)?="
        r"\s*'([^']{4,})'"
    )
    necessary_patterns = (
        re.compile(r"\"(?:value|defaultValue)\"\s*:"),
        re.compile(r"^\s*param\s"),
    )

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        yield from self.bicep.findall(line)
        inline = self.inline.findall(line) if filename.casefold().endswith(".json") else []
        for name, between, kind, literal in inline:
            # one line: "adminPassword": { "value": "..." }, or a securestring's defaultValue
            secure = kind == "defaultValue" and "securestring" in between.casefold()
            if secure or (kind == "value" and self.parameter.search(f'"{name}": {{')):
                yield literal
        match = self.value.search(line)
        if not match:
            return
        before = self.before[-4:]
        if "defaultValue" in line:
            if any("securestring" in b.casefold() for b in before):
                yield match.group(1)
        elif any(self.parameter.search(b) for b in before[-2:]):
            yield match.group(1)
