"""A labelled corpus of pipeline definitions, generated at run time.

Azure Pipelines, GitHub Actions and GitLab CI files, and Azure DevOps exports (variable groups
as ``az pipelines variable-group list`` prints them, a build definition and a release definition
as the REST API returns them). Every credential is drawn when the corpus is built (the
repository must scan clean); most are low-entropy passwords (``Harbor2024!``) that only a
structure-aware scanner finds. ``build(seed)`` returns the files (path -> text) and one
``Label`` per interesting line: positives carry the structural path and the secret, negatives
the construct they exercise (references, Key Vault-linked groups, ``isSecret`` variables holding
references, placeholders, names that describe a secret, ports and flags that look like ``-p``).
Used by ``tests/test_pipelines.py`` and ``benchmarks/quality.py``.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass, field

ALNUM = string.ascii_letters + string.digits
WORDS = ("Harbor", "Maple", "Falcon", "Lantern", "Meadow", "Copper", "Winter", "Summer", "Cobalt")


@dataclass(frozen=True)
class Label:
    path: str
    line: int
    positive: bool
    construct: str
    structural_path: str | None = None
    secret: str | None = field(default=None, repr=False)


@dataclass
class Doc:
    path: str
    lines: list[str] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)

    def plain(self, text: str) -> None:
        self.lines.extend(text.split("\n"))

    def pos(self, text: str, construct: str, spath: str, secret: str) -> None:
        """A positive on the first line of ``text`` (the secret is on that line)."""
        self.lines.extend(text.split("\n"))
        first = len(self.lines) - text.count("\n")
        self.labels.append(Label(self.path, first, True, construct, spath, secret))

    def pos_at(self, text: str, offset: int, construct: str, spath: str, secret: str) -> None:
        """A positive on line ``offset`` (0-based) of ``text``."""
        start = len(self.lines) + 1
        self.lines.extend(text.split("\n"))
        self.labels.append(Label(self.path, start + offset, True, construct, spath, secret))

    def neg(self, text: str, construct: str) -> None:
        self.lines.extend(text.split("\n"))
        first = len(self.lines) - text.count("\n")
        self.labels.append(Label(self.path, first, False, construct))

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class Draw:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def password(self) -> str:
        """Low entropy, no known prefix: ``Harbor2024!`` (a word, a year-like number, a mark)."""
        word = self.rng.choice(WORDS)
        return f"{word}{self.rng.randint(1990, 2030)}{self.rng.choice('!#%*')}"

    def token(self, n: int = 32) -> str:
        while True:
            value = "".join(self.rng.choice(ALNUM) for _ in range(n))
            if (
                any(c.islower() for c in value)
                and any(c.isupper() for c in value)
                and any(c.isdigit() for c in value)
            ):
                return value


NEG_REFERENCE = "reference"
NEG_PLACEHOLDER = "placeholder"
NEG_NAME = "name that describes a secret"
NEG_FLAG = "flag that is not a password"
NEG_KEY_VAULT = "Key Vault-linked group"
NEG_SECRET_NULL = "isSecret variable (value held by DevOps)"
NEG_SECRET_REF = "isSecret variable holding a reference"
NEG_ORDINARY = "ordinary variable"


def _azure(d: Draw, path: str) -> Doc:
    y = Doc(path)
    y.plain("trigger:\n  - main\n")
    p1 = d.password()
    y.plain("parameters:\n  - name: adminPassword\n    type: string")
    y.pos(f"    default: '{p1}'", "template parameter default", "parameters[0].default", p1)
    y.plain("  - name: environment\n    type: string\n    default: staging")
    y.plain("variables:")
    p2 = d.password()
    y.pos(f"  sqlAdminPassword: '{p2}'", "pipeline variable", "variables.sqlAdminPassword", p2)
    y.neg("  buildConfiguration: Release", NEG_ORDINARY)
    y.neg("  dbPassword: $(DbPasswordFromGroup)", NEG_REFERENCE)
    y.neg("  apiToken: $[variables.token]", NEG_REFERENCE)
    y.neg("  storageKey: ${{ variables.key }}", NEG_REFERENCE)
    y.neg("  secretName: kv-db-password", NEG_NAME)
    y.neg("  KeyVaultName: kv-contoso-prod", NEG_NAME)
    y.neg("  registryPassword: '<password>'", NEG_PLACEHOLDER)
    y.neg("  adminPasswordFile: ./secrets/admin.txt", NEG_NAME)
    y.plain("stages:\n  - stage: build\n    variables:\n      - group: kv-contoso-prod")
    p3 = d.password()
    y.plain("      - name: serviceBusConnectionString")
    key = d.token(43) + "="
    y.pos(
        "        value: Endpoint=sb://contoso.servicebus.windows.net/;"
        f"SharedAccessKeyName=send;SharedAccessKey={key}",
        "connection string (list-form stage variable)",
        "stages[0].variables[1].value",
        key,
    )
    y.plain("      - name: deployPat")
    y.pos(f"        value: {p3}", "list-form stage variable", "stages[0].variables[2].value", p3)
    y.plain("    jobs:\n      - job: build\n        variables:")
    p4 = d.password()
    y.pos(f"          npmToken: {p4}", "job variable", "stages[0].jobs[0].variables.npmToken", p4)
    y.plain("        steps:")
    y.plain(
        "          - task: AzureKeyVault@2\n            inputs:\n"
        "              azureSubscription: contoso-arm\n              KeyVaultName: kv-contoso"
    )
    y.neg("              SecretsFilter: 'db-password,api-key'", NEG_NAME)
    y.plain("          - task: SqlAzureDacpacDeployment@1\n            inputs:")
    y.plain("              SqlUsername: sqladmin")
    p5 = d.password()
    y.pos(
        f"              SqlPassword: '{p5}'",
        "task input",
        "stages[0].jobs[0].steps[1].inputs.SqlPassword",
        p5,
    )
    p6, p7 = d.password(), d.password()
    y.plain("          - script: |")
    y.pos(
        f"              docker login contoso.azurecr.io -u contoso -p {p6}",
        "docker login -p",
        "stages[0].jobs[0].steps[2].script",
        p6,
    )
    y.pos(
        f"              sqlcmd -S tcp:contoso.database.windows.net -U sqladmin -P {p7} -i db.sql",
        "sqlcmd -P",
        "stages[0].jobs[0].steps[2].script",
        p7,
    )
    y.neg("              mkdir -p build/output && docker run -p 8080:80 web", NEG_FLAG)
    y.neg("              appcenter login --token {YOUR_TOKEN}", NEG_PLACEHOLDER)
    y.neg(
        "              docker login -u contoso -p $(acrPassword) contoso.azurecr.io", NEG_REFERENCE
    )
    y.plain("            env:")
    p8 = d.password()
    y.pos(
        f"              SQL_PASSWORD: {p8}",
        "step env",
        "stages[0].jobs[0].steps[2].env.SQL_PASSWORD",
        p8,
    )
    y.neg("              DB_PASSWORD: $(db-password)", NEG_REFERENCE)
    p9 = d.password()
    y.pos(
        f"          - powershell: $secure = ConvertTo-SecureString '{p9}' -AsPlainText -Force",
        "ConvertTo-SecureString literal",
        "stages[0].jobs[0].steps[3].powershell",
        p9,
    )
    p10 = d.password()
    y.pos(
        f"          - pwsh: Connect-Thing -Server db01 -Password '{p10}'",
        "-Password argument",
        "stages[0].jobs[0].steps[4].pwsh",
        p10,
    )
    y.neg("          - pwsh: Connect-Thing -Password $env:DB_PASSWORD", NEG_REFERENCE)
    p11 = d.password()
    y.pos(
        f"          - bash: git clone https://build:{p11}@dev.azure.com/contoso/app/_git/app",
        "user:pass@ URL",
        "stages[0].jobs[0].steps[6].bash",
        p11,
    )
    p12 = d.password()
    y.pos(
        f"          - bash: az login --service-principal -u app --password {p12} --tenant t",
        "--password argument",
        "stages[0].jobs[0].steps[7].bash",
        p12,
    )
    return y


def _github(d: Draw, path: str) -> Doc:
    w = Doc(path)
    w.plain("name: ci\non:\n  push:\n    branches: [main]\nenv:")
    p1 = d.password()
    w.pos(f"  DB_PASSWORD: {p1}", "workflow env", "env.DB_PASSWORD", p1)
    w.neg("  GH_TOKEN: ${{ secrets.GH_TOKEN }}", NEG_REFERENCE)
    w.plain("jobs:\n  build:\n    runs-on: ubuntu-latest\n    env:")
    p2 = d.password()
    w.pos(f"      API_KEY: {p2}", "job env", "jobs.build.env.API_KEY", p2)
    w.plain("    container:\n      image: ghcr.io/contoso/build:1\n      credentials:")
    w.plain("        username: contoso")
    p3 = d.password()
    w.pos(
        f"        password: {p3}",
        "container credentials",
        "jobs.build.container.credentials.password",
        p3,
    )
    w.plain("    services:\n      db:\n        image: postgres:16\n        env:")
    p4 = d.password()
    w.pos(
        f"          POSTGRES_PASSWORD: {p4}",
        "service env",
        "jobs.build.services.db.env.POSTGRES_PASSWORD",
        p4,
    )
    w.plain("      cache:\n        image: contoso.azurecr.io/redis:7\n        credentials:")
    w.plain("          username: contoso")
    p5 = d.password()
    w.pos(
        f"          password: '{p5}'",
        "service credentials",
        "jobs.build.services.cache.credentials.password",
        p5,
    )
    w.plain("    steps:\n      - uses: actions/checkout@v4\n        with:")
    w.neg("          persist-credentials: false", NEG_ORDINARY)
    w.plain("      - uses: docker/login-action@v3\n        with:\n          username: contoso")
    p6 = d.password()
    w.pos(f"          password: {p6}", "with input", "jobs.build.steps[1].with.password", p6)
    w.plain("      - uses: azure/login@v2\n        with:")
    w.neg("          client-id: ${{ secrets.AZURE_CLIENT_ID }}", NEG_REFERENCE)
    w.plain("      - run: ./deploy.sh\n        env:")
    p7 = d.password()
    w.pos(
        f"          SQL_PASSWORD: {p7}",
        "step env",
        "jobs.build.steps[3].env.SQL_PASSWORD",
        p7,
    )
    w.neg("          SMTP_PASSWORD: ${{ secrets.SMTP_PASSWORD }}", NEG_REFERENCE)
    w.neg("          REDIS_PASSWORD: ${REDIS_PASSWORD}", NEG_REFERENCE)
    p8 = d.password()
    w.pos(
        f"      - run: curl -u admin:{p8} https://nexus.contoso.com/upload",
        "curl -u user:pass",
        "jobs.build.steps[4].run",
        p8,
    )
    w.neg("      - run: ssh -p 2222 deploy@host.contoso.com ./release.sh", NEG_FLAG)
    w.neg("      - run: echo token=${{ steps.auth.outputs.token }}", NEG_REFERENCE)
    return w


def _gitlab(d: Draw, path: str) -> Doc:
    g = Doc(path)
    g.plain("stages:\n  - test\nvariables:")
    p1 = d.password()
    g.pos(f'  DB_PASSWORD: "{p1}"', "GitLab variable", "variables.DB_PASSWORD", p1)
    g.neg("  POSTGRES_PASSWORD: $DB_PASSWORD", NEG_REFERENCE)
    g.plain("  DEPLOY_TOKEN:")
    t1 = d.token(20)
    g.pos(f'    value: "{t1}"', "expanded variable", "variables.DEPLOY_TOKEN.value", t1)
    g.plain('    description: "token for the registry"')
    g.neg('  SECRET_NAME: "db-password"', NEG_NAME)
    g.plain("test:\n  stage: test\n  image: python:3.12\n  variables:")
    p2 = d.password()
    g.pos(
        f"    MYSQL_ROOT_PASSWORD: {p2}", "job variable", "test.variables.MYSQL_ROOT_PASSWORD", p2
    )
    g.plain("  script:")
    p3 = d.password()
    g.pos(f"    - mysql -u root -p{p3} app < schema.sql", "mysql -p", "test.script[0]", p3)
    g.neg("    - mysql -u root -p$MYSQL_ROOT_PASSWORD app < seed.sql", NEG_REFERENCE)
    g.neg("    - pytest -p no:cacheprovider", NEG_FLAG)
    g.neg("  password: changeme", NEG_PLACEHOLDER)
    return g


def _group(
    gid: int, name: str, variables: dict[str, dict[str, object]], kv: bool = False
) -> dict[str, object]:
    group: dict[str, object] = {
        "createdBy": {
            "displayName": "Build Admin",
            "id": f"00000000-0000-0000-0000-00000000000{gid}",
        },
        "createdOn": "2026-03-02T10:00:00.000Z",
        "description": "",
        "id": gid,
        "isShared": False,
        "modifiedOn": "2026-03-02T10:00:00.000Z",
        "name": name,
        "providerData": None,
        "type": "Vsts",
        "variableGroupProjectReferences": [
            {"name": name, "projectReference": {"id": "proj-guid", "name": "contoso"}}
        ],
        "variables": variables,
    }
    if kv:
        group["type"] = "AzureKeyVault"
        group["providerData"] = {"serviceEndpointId": "endpoint-guid", "vault": "kv-contoso"}
    return group


def _json_doc(path: str, data: object, positives: dict[str, tuple[str, str, str]]) -> Doc:
    """Render ``data``; label the lines holding each marker of ``positives`` (marker -> label).

    Negatives are labelled by marker too (secret None): ``positives`` maps a marker to
    (construct, structural path, secret); a marker whose path is "" is a negative.
    """
    text = json.dumps(data, indent=2)
    doc = Doc(path)
    for line in text.split("\n"):
        hit = next((m for m in positives if m in line), None)
        if hit is None:
            doc.plain(line)
            continue
        construct, spath, secret = positives[hit]
        line = line.replace(f'"{hit}"', "null") if secret == "null" else line.replace(hit, secret)
        if spath:
            doc.pos(line, construct, spath, secret)
        else:
            doc.neg(line, construct)
    return doc


def _exports(d: Draw) -> list[Doc]:
    p1, p2, t1 = d.password(), d.password(), d.token(40)
    groups = [
        _group(
            1,
            "app-settings",
            {
                "DbPassword": {"isSecret": None, "value": "@@P1@@"},
                "ApiToken": {"isSecret": True, "value": None},
                "Environment": {"isSecret": None, "value": "@@ORD@@"},
                "StorageKey": {"isSecret": True, "value": "@@REF1@@"},
                "cacheHost": {"isSecret": False, "value": "@@T1@@"},
            },
        ),
        _group(
            2,
            "kv-contoso-prod",
            {"db-password": {"isSecret": True, "value": "@@KV@@", "enabled": True}},
            kv=True,
        ),
        _group(3, "legacy", {"SERVICE_PASSWORD": {"value": "@@P2@@"}}),
    ]
    markers = {
        "@@P1@@": ("plaintext variable", "[0].variables.DbPassword.value", p1),
        "@@ORD@@": (NEG_ORDINARY, "", "staging"),
        "@@REF1@@": (NEG_SECRET_REF, "", "$(storage-key)"),
        "@@T1@@": ("isSecret false carrying a token", "[0].variables.cacheHost.value", t1),
        "@@KV@@": (NEG_KEY_VAULT, "", "null"),
        "@@P2@@": ("plaintext variable", "[2].variables.SERVICE_PASSWORD.value", p2),
    }
    docs = [_json_doc("devops/variable-groups.json", groups, markers)]
    p3, p4, key = d.password(), d.password(), d.token(43) + "="
    storage_connection = ";".join(
        [
            "DefaultEndpointsProtocol=https",
            "AccountName=contoso",
            "AccountKey=@@KEY@@",
            "EndpointSuffix=core.windows.net",
        ]
    )
    build = {
        "count": 1,
        "value": [
            {
                "id": 12,
                "name": "contoso-ci",
                "path": "\\",
                "type": "build",
                "variables": {
                    "sqlPassword": {"value": "@@P3@@", "allowOverride": True},
                    "storageConnection": {"value": storage_connection},
                    "system.debug": {"value": "@@ORD2@@", "allowOverride": True},
                    "deployToken": {"value": None, "isSecret": True},
                },
                "variableGroups": [],
            }
        ],
    }
    docs.append(
        _json_doc(
            "devops/build-definitions.json",
            build,
            {
                "@@P3@@": ("build variable", "value[0].variables.sqlPassword.value", p3),
                "@@KEY@@": (
                    "connection string (isSecret false)",
                    "value[0].variables.storageConnection.value",
                    key,
                ),
                "@@ORD2@@": (NEG_ORDINARY, "", "false"),
            },
        )
    )
    release = {
        "id": 3,
        "name": "contoso-release",
        "variables": {"adminPassword": {"value": "@@P4@@"}},
        "variableGroups": [1, 2],
        "environments": [
            {
                "id": 7,
                "name": "prod",
                "variables": {
                    "webhookSecret": {"value": "@@REF2@@", "isSecret": False},
                    "vmAdminPassword": {"value": "@@P5@@", "isSecret": False},
                },
            }
        ],
    }
    p5 = d.password()
    docs.append(
        _json_doc(
            "devops/release-definition.json",
            release,
            {
                "@@P4@@": ("release variable", "variables.adminPassword.value", p4),
                "@@REF2@@": (NEG_REFERENCE, "", "$(webhook-secret)"),
                "@@P5@@": (
                    "release environment variable",
                    "environments[0].variables.vmAdminPassword.value",
                    p5,
                ),
            },
        )
    )
    return docs


def build(seed: int = 0, copies: int = 1) -> tuple[dict[str, str], list[Label]]:
    """The corpus files and their labels, drawn from ``seed`` (``copies`` sets of each)."""
    d = Draw(random.Random(seed))
    docs: list[Doc] = []
    for i in range(copies):
        suffix = "" if i == 0 else f"-{i}"
        docs.append(_azure(d, f"azure-pipelines{suffix}.yml"))
        docs.append(_github(d, f".github/workflows/ci{suffix}.yml"))
        docs.append(_gitlab(d, f"gitlab{suffix}/.gitlab-ci.yml"))
        for doc in _exports(d):
            doc.path = doc.path.replace("devops/", f"devops{suffix}/")
            doc.labels = [
                Label(
                    doc.path, lab.line, lab.positive, lab.construct, lab.structural_path, lab.secret
                )
                for lab in doc.labels
            ]
            docs.append(doc)
    files = {doc.path: doc.text for doc in docs}
    labels = [lab for doc in docs for lab in doc.labels]
    return files, labels
