"""A labelled corpus of credential lines and look-alikes, generated at run time.

Every value is drawn at random when the corpus is built (the repository itself must scan
clean), and markers detectors key on are assembled from pieces. ``build(seed)`` returns the
files (path -> text) and one ``Label`` per interesting line: a positive is a real-looking
credential of a type; a negative is a look-alike that some filter must drop, tagged with the type
it imitates and the filter that drops it. Every other line is ordinary text that must not be
reported either. Used by ``tests/test_detectors.py`` and ``benchmarks/quality.py``.
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from dataclasses import dataclass, field

from secretsops.scan.checksums import with_crc32_suffix

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"
LOWER32 = string.ascii_lowercase + "234567"
#: Ordinary words that test suites build made-up passwords from.
WORDS = (
    "Circle",
    "Life",
    "Harbor",
    "Maple",
    "River",
    "Falcon",
    "Garden",
    "Lantern",
    "Meadow",
    "Silver",
    "Copper",
    "Winter",
    "Orange",
    "Castle",
    "Forest",
    "Pepper",
)


@dataclass(frozen=True)
class Label:
    path: str
    line: int
    type: str
    positive: bool
    note: str


@dataclass
class Doc:
    path: str
    lines: list[str] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)

    def add(
        self, text: str, kind: str | None = None, positive: bool = True, note: str = ""
    ) -> None:
        for i, part in enumerate(text.split("\n")):
            self.lines.append(part)
            if kind is not None and i == 0:
                self.labels.append(Label(self.path, len(self.lines), kind, positive, note))

    def plain(self, text: str) -> None:
        self.lines.extend(text.split("\n"))


class Draw:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def s(self, alphabet: str, n: int) -> str:
        while True:
            v = "".join(self.rng.choice(alphabet) for _ in range(n))
            kinds = sum(
                (
                    any(c.islower() for c in v),
                    any(c.isupper() for c in v),
                    any(c.isdigit() for c in v),
                )
            )
            shaped = kinds >= 2 or n < 6 or alphabet in (HEX, LOWER32, string.digits)
            if shaped and "xxxx" not in v.lower() and "example" not in v.lower():
                return v

    def b64(self, nbytes: int) -> str:
        return base64.b64encode(self.rng.randbytes(nbytes)).decode()

    def key88(self) -> str:
        return self.b64(64)

    def key44(self) -> str:
        return self.b64(32)

    def ident64(self, sig: str) -> str:
        return self.s(B64, 76) + sig + self.s(B64, 5) + self.rng.choice("AQgw") + "=="

    def ident32(self, sig: str) -> str:
        return self.s(B64, 33) + sig + self.rng.choice("ABCDEFGHIJKLMNOP") + self.s(B64, 5) + "="

    def cask(self, provider: str) -> str:
        return (
            self.s(ALNUM, 52)
            + "JQQ"
            + "J9"
            + self.rng.choice("9DH")
            + self.s(ALNUM, 1)
            + self.rng.choice("ABCDEFGHIJKL")
            + self.s(ALNUM, 16)
            + provider
            + self.s(ALNUM, 4)
        )

    def hex(self, n: int) -> str:
        return self.s(HEX, n)

    def password(self) -> str:
        return self.s(ALNUM, 10) + self.rng.choice("!#%^*-_") + self.s(string.digits, 3)

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128)))


def _jwt(d: Draw) -> str:
    def enc(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    claims = {"sub": d.s(ALNUM, 10), "iat": d.rng.randint(10**9, 2 * 10**9)}
    return enc({"alg": "HS256", "typ": "JWT"}) + "." + enc(claims) + "." + d.s(ALNUM + "-_", 43)


BEGIN, END = "-----" + "BEGIN ", "-----" + "END "
PK = "PRIVATE" + " KEY"


def build(seed: int = 0) -> tuple[dict[str, str], list[Label]]:
    """The corpus files and their labels, drawn from ``seed``."""
    d = Draw(random.Random(seed))
    docs: list[Doc] = []

    def doc(path: str) -> Doc:
        new = Doc(path)
        docs.append(new)
        return new

    # ---------------------------------------------------------------- appsettings.json
    a = doc("src/Web/appsettings.json")
    a.plain(
        '{\n  "Logging": { "LogLevel": { "Default": "Information" } },\n  "ConnectionStrings": {'
    )
    a.add(
        '    "Storage": "DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey='
        + d.key88()
        + ';EndpointSuffix=core.windows.net",',
        "Azure Storage Account access key",
    )
    a.add(
        '    "Cosmos": "AccountEndpoint=https://contoso.documents.azure.com:443/;AccountKey='
        + d.key88()
        + ';",',
        "Azure Cosmos DB Key",
    )
    a.add(
        '    "ServiceBus": "Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName='
        "RootManageSharedAccessKey;SharedAccessKey=" + d.key44() + '",',
        "Azure Shared Access Key",
    )
    a.add(
        '    "EventHub": "Endpoint=sb://contoso-eh.servicebus.windows.net/;SharedAccessKeyName=send;'
        "SharedAccessKey=" + d.key44() + ';EntityPath=orders",',
        "Azure Shared Access Key",
    )
    a.add(
        '    "Relay": "Endpoint=sb://contoso-relay.servicebus.windows.net/;SharedAccessKeyName=listen;'
        "SharedAccessKey=" + d.key44() + '",',
        "Azure Shared Access Key",
    )
    a.add(
        '    "IoTHub": "HostName=contoso.azure-devices.net;SharedAccessKeyName=iothubowner;'
        "SharedAccessKey=" + d.key44() + '",',
        "Azure Shared Access Key",
    )
    a.add(
        '    "Sql": "Server=tcp:contoso.database.windows.net,1433;Initial Catalog=app;User ID=app;'
        "Password=" + d.password() + ';Encrypt=True;",',
        "SQL Connection String Password",
    )
    a.add(
        '    "Redis": "contoso.redis.cache.windows.net:6380,password='
        + d.key44()
        + ',ssl=True,abortConnect=False"',
        "Azure Cache for Redis Key",
    )
    a.plain('  },\n  "AzureAd": {')
    a.plain('    "Instance": "https://login.microsoftonline.com/",')
    a.add('    "TenantId": "' + d.guid() + '",', "Entra ID Client Secret", False, "is_guid")
    a.add('    "ClientId": "' + d.guid() + '",', "Entra ID Client Secret", False, "is_guid")
    entra = d.s(ALNUM, 3) + "8Q~" + d.s(ALNUM + "_-.", 34)
    a.add('    "ClientSecret": "' + entra + '"', "Entra ID Client Secret")
    a.plain("  },")
    a.add(
        '  "KvSecret": "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/db/)",',
        "Secret Keyword",
        False,
        "is_reference",
    )
    a.add('  "SubscriptionId": "' + d.guid() + '",', "Secret Keyword", False, "is_guid")
    a.plain('  "AllowedHosts": "*"\n}')

    # ---------------------------------------------------------------- .env
    e = doc("deploy/.env")
    e.plain("# service configuration\nAPP_ENV=production\nPORT=8080")
    e.add("DB_PASSWORD=" + d.password(), "Secret Keyword")
    e.add("STORAGE_KEY=" + d.ident64("+A" + "St"), "Azure Storage Account access key")
    e.add("COSMOS_PRIMARY=" + d.ident64("AC" + "Db"), "Azure Cosmos DB Key")
    e.add("SB_KEY=" + d.ident32("+A" + "Sb"), "Azure Shared Access Key")
    e.add("EH_KEY=" + d.ident32("+A" + "Eh"), "Azure Shared Access Key")
    e.add("IOT_KEY=" + d.ident32("AI" + "oT"), "Azure Shared Access Key")
    e.add(
        "REDIS_KEY=" + d.s(ALNUM, 33) + "Az" + "Ca" + "B" + d.s(ALNUM, 5) + "=",
        "Azure Cache for Redis Key",
    )
    e.add("AZURE_OPENAI_ENDPOINT=https://contoso.openai.azure.com/")
    e.add("AZURE_OPENAI_API_KEY=" + d.hex(32), "Azure AI Services Key")
    e.add("SEARCH_ENDPOINT=https://contoso.search.windows.net")
    e.add("SEARCH_API_KEY=" + d.s("0123456789ABCDEF", 32), "Azure AI Search Key")
    e.add("DATABRICKS_TOKEN=dapi" + d.hex(32) + "-2", "Databricks Token")
    e.add("GITHUB_TOKEN=" + with_crc32_suffix("ghp_", d.s(ALNUM, 30)), "GitHub Token")
    e.add("GH_APP_TOKEN=" + with_crc32_suffix("ghs_", d.s(ALNUM, 30)), "GitHub Token")
    e.add("GITLAB_TOKEN=glpat-" + d.s(ALNUM + "_-", 20), "GitLab Token")
    e.add(
        "SLACK_BOT_TOKEN=xoxb-"
        + d.s(string.digits, 12)
        + "-"
        + d.s(string.digits, 13)
        + "-"
        + d.s(ALNUM, 24),
        "Slack Token",
    )
    e.add("STRIPE_SECRET_KEY=sk_" + "live_" + d.s(ALNUM, 99), "Stripe Access Key")
    e.add("SENDGRID_API_KEY=SG." + d.s(ALNUM, 22) + "." + d.s(ALNUM, 43), "SendGrid API Key")
    e.add("TWILIO_API_KEY=SK" + d.hex(32), "Twilio API Key")
    e.add("TWILIO_AUTH_TOKEN=" + d.hex(32), "Twilio API Key")
    e.add("NUGET_API_KEY=oy2" + d.s(string.ascii_lowercase + string.digits, 43), "NuGet API Key")
    e.add("DB_PASSWORD_FILE=/run/secrets/db_password")
    e.add("API_TOKEN=${API_TOKEN}", "Secret Keyword", False, "is_reference")
    e.add("SMTP_PASSWORD=changeme", "Secret Keyword", False, "is_placeholder")
    e.add("SECRET_KEY=your-secret-key-here", "Secret Keyword", False, "is_placeholder")
    e.add("ADMIN_PASSWORD=xxxxxxxxxxxx", "Secret Keyword", False, "is_placeholder")
    e.add(
        "AWS_ACCESS_KEY_ID=AKIA" + "IOSFODNN7" + "EXAMPLE",
        "AWS Access Key",
        False,
        "is_documented_example",
    )
    e.add("AZURE_TENANT_ID=" + d.guid(), "Secret Keyword", False, "is_guid")

    # ---------------------------------------------------------------- pipeline YAML
    y = doc(".azure-pipelines/release.yml")
    y.plain("trigger:\n  - main\nvariables:\n  buildConfiguration: Release")
    y.add("  AZURE_DEVOPS_EXT_PAT: " + d.s(LOWER32, 52), "Azure DevOps Personal Access Token")
    y.add("  dbPassword: " + d.password(), "Secret Keyword")
    y.add("  sqlPassword: $(SqlPassword)", "Secret Keyword", False, "is_reference")
    y.add("  apiToken: $[variables.token]", "Secret Keyword", False, "is_reference")
    y.add("  ghToken: ${{ secrets.GH_TOKEN }}", "Secret Keyword", False, "is_reference")
    y.add("  registryPassword: '********'", "Secret Keyword", False, "is_placeholder")
    y.plain("steps:\n  - checkout: self")
    y.add(
        "  - script: docker login contoso.azurecr.io -u contoso -p " + d.s(ALNUM + "+/", 31) + "=",
        "Azure Container Registry Password",
    )
    y.add(
        "  - script: echo " + d.s(ALNUM + "+/", 42) + "+A" + "CR" + "C" + d.s(ALNUM, 5),
        "Azure Container Registry Password",
    )
    y.plain(
        "    displayName: Build\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: prod"
    )
    # A list-form variable: the value's own line names no credential (structure-aware only).
    y.plain("stages:\n  - stage: deploy\n    variables:\n      - name: sqlAdminPassword")
    y.add("        value: " + d.password(), "Pipeline Variable Secret")

    # ---------------------------------------------------------------- GitHub workflow (negatives)
    w = doc(".github/workflows/ci.yml")
    w.plain("name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:")
    w.add(
        "      - uses: actions/checkout@" + d.hex(40),
        "Hex High Entropy String",
        False,
        "is_hash_or_digest",
    )
    w.plain("      - run: make test\n        env:")
    w.add(
        "          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
        "Secret Keyword",
        False,
        "is_reference",
    )
    w.add("          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}", "NPM tokens", False, "is_reference")

    # ---------------------------------------------------------------- Python
    p = doc("app/settings.py")
    p.plain("import os\n\nimport boto3\n\n")
    p.add(
        'aws_id = "' + "AKIA" + d.s(string.ascii_uppercase + string.digits, 16) + '"',
        "AWS Access Key",
    )
    p.add('password = "' + d.password() + '"', "Secret Keyword")
    p.add(
        'DATABASE_URL = "postgresql://app:' + d.password() + '@db.internal:5432/app"',
        "Basic Auth Credentials",
    )
    p.add(
        'engine = create_engine("mysql+pymysql://svc:' + d.password() + '@10.0.0.5/app")',
        "Basic Auth Credentials",
    )
    sig = d.b64(32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    p.add(
        'SAS_URL = "https://contoso.blob.core.windows.net/c/b.txt?sv=2022-11-02&ss=b&srt=co&sp=r'
        "&se=2030-01-01T00:00:00Z&spr=https&sig=" + sig + '"',
        "Azure SAS Token",
    )
    p.add('headers = {"aeg-sas-key": "' + d.key44() + '"}', "Azure Event Grid Access Key")
    p.add('EG_KEY = "' + d.ident32("AZ" + "EG") + '"', "Azure Event Grid Access Key")
    p.add(
        'search_key = "' + d.s(ALNUM, 42) + "Az" + "Se" + "A" + d.s(ALNUM, 5) + '"',
        "Azure AI Search Key",
    )
    p.add(
        'creds = BatchSharedKeyCredentials("contoso", "' + d.key88() + '")',
        "Azure Batch Account Key",
    )
    p.add('BATCH = "' + d.ident64("+A" + "Ba") + '"', "Azure Batch Account Key")
    p.add('speech_key = "' + d.hex(32) + '"', "Azure AI Services Key")
    p.add('OPENAI_KEY = "' + d.cask("AC" + "OG") + '"', "Azure AI Services Key")
    p.add(
        'FUNC_URL = "https://contoso.azurewebsites.net/api/orders?code=' + d.s(ALNUM, 54) + '=="',
        "Azure Functions Key",
    )
    p.add(
        'FUNC_KEY = "' + d.s(ALNUM + "_-", 44) + "Az" + "Fu" + d.s(ALNUM, 5) + "A==" + '"',
        "Azure Functions Key",
    )
    p.add(
        'APIM = {"Ocp-Apim-Subscription-Key": "' + d.hex(32) + '"}',
        "Azure API Management Subscription Key",
    )
    p.add('APIM_KEY = "' + d.ident64("AP" + "IM") + '"', "Azure API Management Subscription Key")
    p.add('jwt = "' + _jwt(d) + '"', "JSON Web Token")
    p.add('GOOGLE_KEY = "AIza' + d.s(ALNUM + "_-", 35) + '"', "Google API Key")
    p.add('PYPI = "pypi-AgEIcHlwaS5vcmc' + d.s(ALNUM + "-_", 80) + '"', "PyPI Token")
    p.add(
        'slack_hook = "https://hooks.slack.com/services/T'
        + d.s(string.ascii_uppercase + string.digits, 10)
        + "/B"
        + d.s(string.ascii_uppercase + string.digits, 10)
        + "/"
        + d.s(ALNUM, 24)
        + '"',
        "Slack Token",
    )
    p.add('db_password = os.environ["DB_PASSWORD"]')
    p.add('token = os.getenv("API_TOKEN")')
    p.add('password = "<your-password>"', "Secret Keyword", False, "is_placeholder")
    p.add('api_key = "dummy-api-key-123"', "Secret Keyword", False, "is_placeholder")
    p.add('client_id = "' + d.guid() + '"', "Secret Keyword", False, "is_guid")
    p.add('commit_sha = "' + d.hex(40) + '"', "Hex High Entropy String", False, "is_hash_or_digest")
    p.add('checksum = "' + d.hex(64) + '"', "Hex High Entropy String", False, "is_hash_or_digest")
    p.add('password_file = "/etc/app/password.txt"')
    p.add("if password == confirm_password:\n    pass")
    p.add('template = "{{ password }}"', "Secret Keyword", False, "is_reference")
    p.add('secret = "{db_secret}"', "Secret Keyword", False, "is_reference")
    p.add(
        'public_key = "MII' + d.s(B64, 200) + '"',
        "Base64 High Entropy String",
        False,
        "is_public_material",
    )
    p.add('ENDPOINT = "https://contoso.blob.core.windows.net"')

    # ---------------------------------------------------------------- JavaScript
    j = doc("web/src/config.js")
    j.add("const dbPassword = '" + d.password() + "';", "Secret Keyword")
    j.add("const token = process.env.GITHUB_TOKEN;")
    j.add("const apiKey = process.env.API_KEY || '';")
    j.add("export const GH = '" + with_crc32_suffix("gho_", d.s(ALNUM, 30)) + "';", "GitHub Token")
    j.add("const PAT = 'github_pat_" + d.s(ALNUM, 22) + "_" + d.s(ALNUM, 59) + "';", "GitHub Token")
    j.add("const passwordLabel = 'Password';")
    ts = doc("web/src/settings.ts")
    ts.add("const password = process.env.DB_PASSWORD;")
    ts.add("export const secret: string = process.env.CLIENT_SECRET ?? '';")
    ts.add("const apiToken = '" + d.password() + "';", "Secret Keyword")
    j.add(
        "const mongo = 'mongodb+srv://admin:" + d.password() + "@cluster0.mongodb.net/app';",
        "Basic Auth Credentials",
    )

    # ---------------------------------------------------------------- C#
    c = doc("src/Api/Startup.cs")
    c.add(
        'var cosmos = new CosmosClient("https://contoso.documents.azure.com:443/", "'
        + d.key88()
        + '");',
        "Azure Cosmos DB Key",
    )
    c.add(
        'var conn = "Data Source=sql01;Initial Catalog=app;Uid=sa;Pwd=' + d.password() + ';";',
        "SQL Connection String Password",
    )
    c.add('var password = "' + d.password() + '";', "Secret Keyword")
    c.add('var pwd = Environment.GetEnvironmentVariable("DB_PASSWORD");')
    c.add('var tenant = "' + d.guid() + '";', "Secret Keyword", False, "is_guid")

    # ---------------------------------------------------------------- PowerShell
    s = doc("scripts/deploy.ps1")
    s.add(
        '$secure = ConvertTo-SecureString "' + d.password() + '" -AsPlainText -Force',
        "Secret Keyword",
    )
    s.add('$pat = "' + d.cask("AZ" + "DO") + '"', "Azure DevOps Personal Access Token")
    s.add(
        "az storage blob upload --account-name contoso --account-key " + d.key88() + " -f x",
        "Azure Storage Account access key",
    )
    s.add("$password = $env:DB_PASSWORD")
    s.add(
        'Invoke-RestMethod -Uri $uri -Headers @{ "x-functions-key" = "' + d.s(ALNUM, 54) + '==" }',
        "Azure Functions Key",
    )

    # ---------------------------------------------------------------- Terraform
    t = doc("infra/main.tf")
    t.plain('resource "azurerm_mssql_server" "db" {\n  name = "contoso-sql"')
    t.add('  administrator_login_password = "' + d.password() + '"', "Secret Keyword")
    t.add('  tenant_id = "' + d.guid() + '"', "Secret Keyword", False, "is_guid")
    t.add("  password = var.db_password")
    t.plain("}")

    # ---------------------------------------------------------------- ARM parameters and Bicep
    arm = doc("infra/azuredeploy.parameters.json")
    arm.plain(
        '{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/'
        'deploymentParameters.json#",\n  "parameters": {\n    "adminPassword": {'
    )
    arm.add('      "value": "' + d.password() + '"', "Azure Template Parameter Secret")
    arm.plain(
        '    },\n    "adminUsername": {\n      "value": "azureuser"\n    },\n    "sqlPassword": {'
    )
    arm.plain('      "reference": {\n        "keyVault": { "id": "/subscriptions/x/vaults/kv" },')
    arm.plain('        "secretName": "sql-password"\n      }\n    }\n  }\n}')
    b = doc("infra/main.bicepparam")
    b.plain("using './main.bicep'")
    b.add("param adminPassword = '" + d.password() + "'", "Azure Template Parameter Secret")
    b.plain("param location = 'westeurope'")

    # ---------------------------------------------------------------- publish profile
    pp = doc("Properties/contoso.PublishSettings")
    pp.add(
        '<publishData><publishProfile profileName="contoso - Web Deploy" publishMethod="MSDeploy" '
        'userName="$contoso" userPWD="' + d.s(ALNUM, 60) + '" destinationAppUrl="https://contoso.'
        'azurewebsites.net" /></publishData>',
        "Azure Publish Profile Password",
    )

    # ---------------------------------------------------------------- Kubernetes
    k = doc("k8s/db-secret.yaml")
    k.plain(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  labels:\n    app: web\n"
        "type: Opaque\ndata:"
    )
    # a user name is no secret: judged decoded (issue #15)
    k.add(
        "  username: " + base64.b64encode(b"app_" + d.s(ALNUM, 6).encode()).decode(),
        "Kubernetes Secret Data",
        False,
        "decodes to a user name",
    )
    k.add(
        "  password: " + base64.b64encode(d.password().encode()).decode(), "Kubernetes Secret Data"
    )
    k.add(
        "  api-token: " + base64.b64encode(d.s(ALNUM, 32).encode()).decode(),
        "Kubernetes Secret Data",
    )
    cm = doc("k8s/configmap.yaml")
    cm.plain("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:")
    cm.add("  feature: " + base64.b64encode(b"enabled-flag").decode())
    cm.plain("  LOG_LEVEL: info")

    # ------------------------------------------------------- docker-compose (sequence items)
    dc = doc("deploy/docker-compose.yml")
    dc.plain("services:\n  api:\n    image: contoso/api:1.4\n    environment:")
    dc.add(
        "      - DATABASE_URL=postgres://app:" + d.password() + "@db:5432/app",
        "Basic Auth Credentials",
    )
    dc.add("      - LOG_LEVEL=info")
    dc.add("      - DB_PASSWORD=${DB_PASSWORD}")
    dc.add('    command: ["serve", "--port", "8080"]')

    # --------------------------------------------- names of secrets kept elsewhere (vault config)
    vc = doc(".vault-config/build-keyvault.yaml")
    vc.plain("secrets:\n  release-bot-pat:\n    type: github-access-token\n    parameters:")
    vc.add(
        "      gitHubBotAccountSecret: BotAccount-release-bot",
        "Secret Keyword",
        False,
        "is_name_of_a_secret",
    )
    vc.add("      apiToken: " + d.s(ALNUM, 24), "Secret Keyword")

    # ---------------------------------------------------------------- notebook
    nb_lines = [
        "import requests\n",
        'token = "dapi' + d.hex(32) + '"\n',
        'conn = "DefaultEndpointsProtocol=https;AccountName=nb;AccountKey=' + d.key88() + '"\n',
    ]
    nb = {
        "cells": [{"cell_type": "code", "source": nb_lines, "metadata": {}, "outputs": []}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    n = doc("notebooks/explore.ipynb")
    text = json.dumps(nb, indent=1)
    for row in text.split("\n"):
        if "dapi" in row:
            n.add(row, "Databricks Token")
        elif "AccountKey=" in row:
            n.add(row, "Azure Storage Account access key")
        else:
            n.plain(row)

    # ---------------------------------------------------------------- INI, properties, npmrc
    ini = doc("config/credentials")
    ini.plain("[default]")
    ini.add(
        "aws_access_key_id = AKIA" + d.s(string.ascii_uppercase + string.digits, 16),
        "AWS Access Key",
    )
    ini.add("aws_secret_access_key = " + d.s(ALNUM + "/+", 40), "AWS Access Key")
    pr = doc("src/main/resources/application.properties")
    pr.plain("spring.application.name=orders")
    pr.add("spring.datasource.password=" + d.password(), "Secret Keyword")
    pr.add(
        "spring.datasource.url=jdbc:sqlserver://db:1433;databaseName=app;user=app;password="
        + d.password(),
        "SQL Connection String Password",
    )
    pr.add("app.jwt.secret-ref=${JWT_SECRET}")
    npmrc = doc("web/.npmrc")
    npmrc.add(
        "//registry.npmjs.org/:_authToken=" + with_crc32_suffix("npm_", d.s(ALNUM, 30)),
        "NPM tokens",
    )
    npmrc.add(
        "//pkgs.dev.azure.com/org/_packaging/feed/npm/registry/:_authToken=${NPM_TOKEN}",
        "NPM tokens",
        False,
        "is_reference",
    )

    # ---------------------------------------------------------------- keys
    key = doc("deploy/id_rsa")
    body = base64.b64encode(d.rng.randbytes(600)).decode()
    key.add(BEGIN + "RSA " + PK + "-----", "Private Key")
    key.plain("\n".join(body[i : i + 64] for i in range(0, len(body), 64)))
    key.plain(END + "RSA " + PK + "-----")
    ossh = doc("deploy/deploy_key")
    ossh.add(BEGIN + "OPENSSH " + PK + "-----", "Private Key")
    ossh.plain(base64.b64encode(d.rng.randbytes(300)).decode()[:70])
    ossh.plain(END + "OPENSSH " + PK + "-----")
    ppk = doc("deploy/server.ppk")
    ppk.add("PuTTY-User-" + "Key-File-3: ssh-ed25519", "Private Key")
    ppk.plain("Encryption: none\nComment: deploy")
    sa = doc("gcp/service-account.json")
    sa.plain('{\n  "type": "service_account",\n  "project_id": "contoso-prod",')
    sa.plain('  "private_key_id": "' + d.hex(40) + '",')
    sa.add(
        '  "private_key": "'
        + BEGIN
        + PK
        + "-----\\n"
        + d.b64(120)
        + "\\n"
        + END
        + PK
        + '-----\\n",',
        "Google Service Account Key",
    )
    sa.plain('  "client_email": "app@contoso-prod.iam.gserviceaccount.com"\n}')
    pub = doc("deploy/authorized_keys")
    pub.add(
        "ssh-rsa AAAAB3NzaC1yc2E" + d.s(B64, 300) + " deploy@build",
        "Base64 High Entropy String",
        False,
        "is_public_material",
    )
    cert = doc("deploy/server.crt")
    cert.add(BEGIN + "CERTIFICATE-----", "Private Key", False, "is_public_material")
    cert.add("MII" + d.s(B64, 61), "Base64 High Entropy String", False, "is_public_material")
    cert.plain(END + "CERTIFICATE-----")

    # ---------------------------------------------------------------- lock files
    lock = doc("web/pnpm-lock.yaml")
    lock.plain("lockfileVersion: '9.0'\npackages:\n  left-pad@1.3.0:")
    lock.add(
        "    resolution: {integrity: sha512-" + d.b64(64) + "}",
        "Base64 High Entropy String",
        False,
        "is_hash_or_digest",
    )
    pl = doc("web/package.json")
    pl.plain('{\n  "name": "web",\n  "dependencies": {')
    pl.add(
        '    "left-pad": "1.3.0", "integrity": "sha512-' + d.b64(64) + '"',
        "Base64 High Entropy String",
        False,
        "is_hash_or_digest",
    )
    pl.plain("  }\n}")

    # ---------------------------------------------------------------- documented examples
    az = doc("tests/integration/azurite.env")
    az.add(
        "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        "AccountKey=" + d.key88() + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
        "Azure Storage Account access key",
        False,
        "is_documented_example",
    )
    az.add(
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY",
        "AWS Access Key",
        False,
        "is_documented_example",
    )

    # ---------------------------------------------------------------- test suites
    # Test code and URL-parser test tables are full of made-up passwords (is_test_fixture_value);
    # credentials with the shape of real ones are still reported there.
    def word() -> str:
        return d.rng.choice(WORDS)

    tc = doc("tests/test_client.py")
    tc.plain("import httpx\n\n\ndef test_digest_auth():")
    tc.add(
        '    auth = httpx.DigestAuth(username="Mufasa", password="' + word() + "Of" + word() + '")',
        "Secret Keyword",
        False,
        "is_test_fixture_value",
    )
    tc.add(
        '    request_headers = {"X-Auth-Token": "' + word() + word() + 'Token"}',
        "Secret Keyword",
        False,
        "is_test_fixture_value",
    )
    tc.add(
        '    url = "http://user:' + word().lower() + '%23pass@complex.url.com/path?query=yes"',
        "Basic Auth Credentials",
        False,
        "is_test_fixture_value",
    )
    tc.add('    client = httpx.Client(password="' + d.password() + '")', "Secret Keyword")
    tc.add(
        '    dsn = "postgresql://app:' + d.password() + '@db.internal:5432/app"',
        "Basic Auth Credentials",
    )
    tj = doc("tests/models/whatwg.json")
    tj.plain("[\n  {")
    tj.add(
        '    "href": "http://&a:' + word().lower() + '(b%5Dc@d:2/",',
        "Basic Auth Credentials",
        False,
        "is_test_fixture_value",
    )
    tj.add(
        '    "input": "redis://foo:bar@somehost:6379/0?baz=bam",',
        "Basic Auth Credentials",
        False,
        "is_test_fixture_value",
    )
    tj.plain("  }\n]")
    ts = doc("test/hooks.spec.ts")
    ts.add(
        "await got(`http://old-user:old-" + word().lower() + "@localhost:${server.port}/`);",
        "Basic Auth Credentials",
        False,
        "is_test_fixture_value",
    )
    ts.add("const options = {password: '" + d.password() + "'};", "Secret Keyword")
    # The same made-up words outside tests are reported: application code is not test data.
    ap = doc("src/app/settings.py")
    ap.add('ADMIN_PASSWORD = "' + word() + word() + word() + '"', "Secret Keyword")
    ap.add(
        'BROKER_URL = "amqp://app:' + word().lower() + "-" + word().lower() + '@mq.internal//"',
        "Basic Auth Credentials",
    )

    # ---------------------------------------------------------------- ordinary code
    o = doc("app/util.py")
    o.plain(
        '"""Helpers."""\n\nimport hashlib\n\n\ndef digest(data: bytes) -> str:\n'
        "    return hashlib.sha256(data).hexdigest()\n\n\n"
        "def get_token(session):\n    return session.headers['Authorization']\n\n\n"
        "class Settings:\n    password_min_length = 12\n    token_ttl = 3600\n"
        "    secret_name = 'db-password'\n    api_key_header = 'X-Api-Key'\n"
    )
    o.add(
        'ICON = "data:image/png;base64,' + d.b64(120) + '"',
        "Base64 High Entropy String",
        False,
        "is_unnamed_entropy",
    )
    rd = doc("docs/configuration.md")
    rd.plain("# Configuration\n\nSet a random key:\n\n```python")
    rd.add(
        "SECRET_KEY = '" + d.hex(64) + "'", "Secret Keyword", False, "is_generic_in_documentation"
    )
    rd.plain("```")
    o.add(
        'REQUEST_ID = "' + d.hex(32) + '"', "Hex High Entropy String", False, "is_unnamed_entropy"
    )

    files = {x.path: "\n".join(x.lines) + "\n" for x in docs}
    labels = [label for x in docs for label in x.labels]
    return files, labels
