"""Credentials in configuration files, found from the file's or the statement's structure.

Most leaked passwords have low entropy (``Harbor2019!``): no entropy test and no keyword rule
tuned for code finds them without false alarms. What says they are credentials is where they
sit: the ``password`` token of a ``.netrc`` entry, the fifth field of a ``.pgpass`` line, the
``<Pass>`` of a FileZilla site, ``define('DB_PASSWORD', ...)`` in PHP, ``IDENTIFIED BY`` in SQL,
the hash field of ``/etc/shadow``. Each detector here reads such a structure and reports any
value in it that is not a placeholder, a reference or empty (the engine's precision filters then
apply as to every detector). Documentation files (``.md``, ``.rst``, ``.txt``, ``.adoc``) show
configuration by example and are not read by the rules of this module, except that a password
hash is reported wherever it is.
"""

from __future__ import annotations

import base64
import binascii
import html
import os
import re
from collections.abc import Iterator

from secretsops_plugins import _base

from secretsops.scan import filters as precision

_DOCS = frozenset({".md", ".markdown", ".rst", ".txt", ".adoc", ".asciidoc"})


def _name(filename: str) -> str:
    return os.path.basename(filename.replace("\\", "/")).casefold()


def _is_doc(filename: str) -> bool:
    return os.path.splitext(filename)[1].casefold() in _DOCS


def _unquoted(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def credible(value: str) -> bool:
    """A value that can be a credential: not empty, no placeholder, no reference, one line."""
    text = value.strip()
    if not text or any(c in text for c in "\r\n"):
        return False
    if precision.is_placeholder(text) or precision.is_reference(text, ""):
        return False
    if re.fullmatch(r"%[sdr]|\{\d*\}|\?|:\w+|@\w+", text):
        return False  # a format or bind placeholder
    return not re.fullmatch(r"(?i)ENC\(.*\)|null|nil|none|undefined", text)


def _b64_text(value: str) -> str | None:
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return text if text and text.isprintable() else None


# ---------------------------------------------------------------------------- credential files

_NETRC_FILES = frozenset({".netrc", "_netrc", "netrc"})
_PGPASS_FILES = frozenset({".pgpass", "pgpass.conf"})
# INI-like files of database, package and transfer clients whose password keys hold passwords.
_INI_FILES = frozenset(
    {".my.cnf", "my.cnf", "my.ini", "pip.conf", "pip.ini", ".pypirc", "winscp.ini", ".s3cfg"}
)
_TOMCAT = re.compile(r"(?i)tomcat-users[\w.\-]*\.xml$|context\.xml$|server\.xml$")


class CredentialFileDetector(_base.LineDetector):
    """Passwords in the credential files of command-line and desktop clients: the ``password``
    of a ``.netrc``/``_netrc`` entry (and a one-line ``machine .. login .. password ..`` written
    anywhere, e.g. by a Dockerfile); the password field of a ``.pgpass`` line; ``password=`` in
    ``.my.cnf``/``my.ini``, ``pip.conf``, ``.pypirc``, ``.s3cfg`` and a WinSCP ``WinSCP.ini``
    (``Password=``, obfuscated, and ``PasswordPlain=``); ``_auth=``/``_password=`` in
    ``.npmrc``; the base64 ``"auth"`` of a Docker ``config.json``/``.dockercfg`` (reported when
    it decodes to ``user:password``); FileZilla's ``<Pass>`` (``sitemanager.xml``,
    ``recentservers.xml``; base64 values are judged decoded); the ``password`` attribute of a
    Tomcat ``tomcat-users.xml`` ``<user>`` or a ``context.xml``/``server.xml`` ``<Resource>``.
    Low-entropy values are reported: the file says they are passwords. Placeholders
    (``changeme``, ``<must-be-changed>``), references (``${VAR}``) and empty values are not."""

    secret_type = "Credential File Password"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "high"
    provider = "(any)"
    netrc = re.compile(r"(?:^|\s)(?i:password)\s+(\"[^\"]+\"|[^\s\"'`=:][^\s\"'`]*)")
    netrc_inline = re.compile(
        r"\bmachine\s+\S+\s+(?:login\s+\S+\s+)?(?i:password)\s+([^\s\"'`=:][^\s\"'`]*)"
    )
    # host:port:database:username:password; the port is digits or *
    pgpass = re.compile(
        r"^((?:[^:\\#\s]|\\.)(?:[^:\\]|\\.)*):(?:\d+|\*):(?:[^:\\]|\\.)*:"
        r"(?:[^:\\]|\\.)*:((?:[^\\]|\\.)+)$"
    )
    ini = re.compile(
        r"^\s*(?i:password|passwd|pass|passwordplain|proxypassword|secret_key)\s*=\s*(.*?)\s*$"
    )
    npmrc = re.compile(r"^\s*(?://\S*:)?_(?:auth|password)\s*=\s*(.*?)\s*$")
    docker = re.compile(r"\"auth\"\s*:\s*\"([A-Za-z0-9+/]{6,}={0,2})\"")
    filezilla = re.compile(r"<Pass(\s+encoding=\"base64\")?\s*>([^<]+)</Pass>")
    tomcat = re.compile(r"<(?:user|Resource)\s[^>]*?\bpassword\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
    necessary_patterns = (
        re.compile(r"(?i:password)\s+[^\s=:]"),
        re.compile(r"^(?:[^:\\#\s]|\\.)(?:[^:\\]|\\.)*:(?:\d+|\*):(?:[^:\\]|\\.)*:"),
        re.compile(r"(?i:pass|secret_key)\w*\s*="),
        re.compile(r"_(?:auth|password)\s*="),
        re.compile(r"\"auth\"\s*:"),
        re.compile(r"<Pass"),
        re.compile(r"\bpassword\s*=\s*[\"']"),
    )

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        if _is_doc(filename):
            return
        name = _name(filename)
        found: list[str] = []
        if name in _NETRC_FILES:
            found += [_unquoted(v) for v in self.netrc.findall(line)]
        else:
            found += self.netrc_inline.findall(line)
        if name in _PGPASS_FILES and not line.lstrip().startswith("#"):
            match = self.pgpass.match(line.rstrip("\r\n"))
            if match:
                found.append(match.group(2))
        if name in _INI_FILES or name.endswith(".cnf"):
            match = self.ini.match(line)
            if match:
                found.append(_unquoted(match.group(1)))
        if name == ".npmrc" or name.endswith(".npmrc"):
            match = self.npmrc.match(line)
            if match:
                found.append(_unquoted(match.group(1)))
        for value in self.docker.findall(line):
            decoded = _b64_text(value)
            if decoded and ":" in decoded and credible(decoded.split(":", 1)[1]):
                found.append(value)
        for encoded, value in self.filezilla.findall(line):
            plain = _b64_text(value) if encoded else html.unescape(value)
            if plain is not None and credible(plain):
                found.append(value)
        if _TOMCAT.search(name) or name.endswith(".xml"):
            for double, single in self.tomcat.findall(line):
                value = double or single
                if credible(html.unescape(value)):
                    found.append(value)
        seen: set[str] = set()
        for value in found:
            if value not in seen and credible(value):
                seen.add(value)
                yield value


# ---------------------------------------------------------------------- application frameworks

_PHP = frozenset({".php", ".inc", ".phtml", ".php5", ".php7"})
_SECRET_WORD = r"(?:password|passwd|pass|pwd|secret|_key|_salt|token)"  # noqa: S105 - a regex
_SPRING_FILE = re.compile(r"^(?:application|bootstrap)(?:[-_.][\w\-]+)*\.(?:properties|ya?ml)$")
_PROPERTY = re.compile(r"^\s*([A-Za-z][\w.\-\[\]]*)\s*(?:=|:)\s*(.*?)\s*$")
_PASSWORD_KEY = re.compile(
    r"(?i)(?:password|passwd|pwd|credentials|secret|client-secret|clientsecret|secret-key)$"
)


class AppConfigSecretDetector(_base.LineDetector):
    """Passwords and keys in application configuration, recognised by the framework's own
    names: PHP ``define('DB_PASSWORD', '...')`` (and ``AUTH_KEY``... of ``wp-config.php``),
    ``$password = '...'``, ``$cfg['password'] = '...'`` and ``'password' => '...'`` arrays
    (Laravel, CodeIgniter); in
    ``.env`` files ``APP_KEY=base64:...`` (Laravel) and ``*_PASSWORD``/``*_PASS``/``*_PWD``/
    ``*_SECRET`` values; Django and Flask ``SECRET_KEY = '...'``, ``app.secret_key``,
    ``app.config['SECRET_KEY']``; Rails ``secret_key_base`` and ``secret_token``; Spring
    ``application*.properties``/``.yml`` and Java ``.properties`` keys ending in ``password``,
    ``pwd``, ``credentials`` or ``secret`` (``spring.datasource.password``,
    ``mail.smtp.password``); ``web.config``/``app.config`` ``<add key="..Password"
    value="..">`` (and ``..Secret``, ``..ApiKey``, ``..Token``). Any such value is reported,
    also a low-entropy one, unless it is a placeholder (``changeme``, ``changeit``, ``put your
    unique phrase here``), a reference (``${VAR}``, ``env('X')``, ``#{X}#``, Key Vault),
    encrypted (``ENC(...)``) or empty."""

    secret_type = "Application Config Secret"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "medium"
    provider = "(any)"
    php_define = re.compile(
        rf"\bdefine\s*\(\s*([\"'])(\w*(?i:{_SECRET_WORD})\w*)\1\s*,\s*([\"'])((?:(?!\3).)*)\3\s*\)"
    )
    php_variable = re.compile(
        r"\$(\w*(?i:pass|pwd|secret)\w*)\s*=\s*([\"'])((?:(?!\2)[^\\]|\\.)+)\2\s*;"
    )
    php_subscript = re.compile(
        r"\[\s*([\"'])\w*(?i:password|passwd|pass|pwd|secret)\w*\1\s*\]\s*=\s*([\"'])"
        r"((?:(?!\2)[^\\]|\\.)+)\2\s*;"
    )
    php_array = re.compile(
        r"([\"'])(\w*(?i:password|passwd|pass|pwd|secret)\w*)\1\s*=>\s*([\"'])((?:(?!\3).)+)\3"
    )
    dotenv = re.compile(
        r"^\s*(?:export\s+)?([A-Z0-9_]*(?:PASSWORD|PASSWD|_PASS|_PWD|_SECRET)|APP_KEY)\s*=\s*"
        r"(?:\"([^\"]*)\"|'([^']*)'|([^\s#\"']+))"
    )
    python_key = re.compile(
        r"(?:\b\w*SECRET_KEY\s*=|\.secret_key\s*=|config\[\s*([\"'])\w*SECRET_KEY\1\s*\]\s*=)"
        r"\s*[rbu]?([\"'])([^\s\"']{8,})\2"
    )
    rails = re.compile(
        r"\b(?:secret_key_base|secret_token)[\"']?\s*(?::|=)\s*[\"']?([A-Za-z0-9+/=_\-]{30,})"
    )
    xml_add = re.compile(
        r"<add\s+key\s*=\s*\"([^\"]*(?i:password|passwd|pwd|secret|apikey|api_key|token"
        r"|credential)[^\"]*)\"\s+value\s*=\s*\"([^\"]*)\""
    )
    necessary_patterns = (re.compile(r"(?i:pass|pwd|secret|key|_salt|token|credential)"),)

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        if _is_doc(filename):
            return
        name = _name(filename)
        ext = _base.extension(filename)
        found: list[str] = []
        if ext in _PHP:
            found += [m.group(4) for m in self.php_define.finditer(line)]
            found += [m.group(3) for m in self.php_variable.finditer(line)]
            found += [m.group(4) for m in self.php_array.finditer(line)]
            found += [m.group(3) for m in self.php_subscript.finditer(line)]
        if ext == ".env":
            match = self.dotenv.match(line)
            if match:
                value = next((g for g in match.groups()[1:] if g), "")
                if match.group(1) == "APP_KEY" and value.startswith("base64:"):
                    value = value[len("base64:") :]
                if match.group(1) != "APP_KEY" or len(value) >= 16:
                    found.append(value)
        if ext == ".py":
            found += [m.group(3) for m in self.python_key.finditer(line)]
        found += self.rails.findall(line)
        if ext == ".properties" or _SPRING_FILE.match(name):
            match = _PROPERTY.match(line)
            if match and _PASSWORD_KEY.search(match.group(1).rsplit(".", 1)[-1]):
                found.append(_unquoted(match.group(2)))
        if ext in (".config", ".xml"):
            found += [value for _key, value in self.xml_add.findall(line)]
        seen: set[str] = set()
        for value in found:
            if value not in seen and credible(html.unescape(value)):
                seen.add(value)
                yield value


# -------------------------------------------------------------------------------- password hashes

_CRYPT = (
    r"\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}"
    r"|\$(?:5|6)\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86}"
    r"|\$(?:1|apr1)\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}"
    r"|\$(?:y|gy|7)\$[./A-Za-z0-9]+\$[./A-Za-z0-9]{1,64}\$[./A-Za-z0-9]{20,}"
    r"|\$[PH]\$[./A-Za-z0-9]{31}"
    r"|\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+"
    r"|\{S?SHA\}[A-Za-z0-9+/]{20,}={0,2}"
)
_HEX_DIGEST = r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128}"


def _sql_values(text: str) -> list[str]:
    """The comma-separated items of a SQL tuple's inside, quotes kept, commas in quotes too."""
    items: list[str] = []
    current: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            current.append(c)
            if c == "\\" and i + 1 < len(text):
                current.append(text[i + 1])
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
            current.append(c)
        elif c == ",":
            items.append("".join(current).strip())
            current = []
        else:
            current.append(c)
        i += 1
    items.append("".join(current).strip())
    return items


class PasswordHashDetector(_base.LineDetector):
    """Password hashes, which must never be committed (they are cracked offline): the hash field
    of an ``/etc/shadow``-style line (``$6$``, ``$5$``, ``$y$`` yescrypt, ``$1$``...; ``*``,
    ``!`` and empty fields are locked or empty accounts, not hashes); ``.htpasswd`` entries
    (``$apr1$``, ``$2y$`` bcrypt, ``{SHA}``); and in any file a quoted hash in a crypt format
    (bcrypt, sha-crypt, phpass ``$P$``, argon2) or, in a SQL ``INSERT`` whose column list names
    a password or hash column, the hex digest or hash given to that column (SQL dumps)."""

    secret_type = "Password Hash"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "high"
    provider = "(any)"
    account = re.compile(
        rf"^[A-Za-z_][\w.\-]*\$?:({_CRYPT}|\$[0-9a-z]+\$[^:\s]+)"
        r"(?::|\s*$)"
    )
    quoted = re.compile(rf"([\"'`])({_CRYPT})\1")
    insert = re.compile(
        r"(?i)\binsert\s+into\s+[`\"\[]?[\w.]+[`\"\]]?\s*\(([^)]*)\)\s*values\s*\((.*)\)"
    )
    hash_column = re.compile(r"(?i)pass|pwd|hash|digest")
    necessary_patterns = (
        re.compile(r"\$[0-9a-z]+\$"),
        re.compile(r"\$[PH]\$"),
        re.compile(r"\{S?SHA\}"),
        re.compile(r"(?i:insert\s+into)"),
    )

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        found: list[str] = []
        match = self.account.match(line)
        if match:
            found.append(match.group(1))
        found += [m.group(2) for m in self.quoted.finditer(line)]
        insert = self.insert.search(line)
        if insert:
            columns = [c.strip(' `"[]') for c in insert.group(1).split(",")]
            values = _sql_values(insert.group(2).split("),", 1)[0])
            for column, value in zip(columns, values, strict=False):
                bare = _unquoted(value)
                if (
                    self.hash_column.search(column)
                    and bare != value
                    and (re.fullmatch(_HEX_DIGEST, bare) or re.fullmatch(_CRYPT, bare))
                ):
                    found.append(bare)
        seen: set[str] = set()
        for value in found:
            if value not in seen:
                seen.add(value)
                yield value


# -------------------------------------------------------------------------------- SQL statements


class SqlStatementPasswordDetector(_base.LineDetector):
    """Passwords in SQL statements that create or change database accounts: ``CREATE USER ..
    IDENTIFIED BY '...'`` and ``GRANT .. IDENTIFIED BY '...'`` (MySQL, MariaDB; Oracle's unquoted
    ``IDENTIFIED BY word`` too; prose such as "identified by 'name'" is not a statement),
    ``CREATE/ALTER USER|ROLE .. [WITH] PASSWORD '...'``
    (PostgreSQL), ``SET PASSWORD [FOR ..] = '...'`` (MySQL) and ``CREATE/ALTER LOGIN .. WITH
    PASSWORD = '...'`` (SQL Server). Bind
    parameters, ``IDENTIFIED WITH auth_socket``, references and placeholders are not reported."""

    secret_type = "SQL Statement Password"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "high"
    provider = "MySQL, MariaDB, PostgreSQL, SQL Server, Oracle"
    identified = re.compile(
        r"(?i)\bidentified\s+by\s+(?:password\s+)?(?:'((?:[^'\\\s]|\\.|'')+)'"
        r"|\"((?:[^\"\\\s]|\\.)+)\")"
    )
    set_password = re.compile(
        r"(?i)\bset\s+password\b[^;=]*=\s*(?:password\s*\(\s*)?'((?:[^'\s]|'')+)'"
    )
    account_statement = re.compile(r"(?i)\b(?:(?:create|alter)\s+user|grant)\b")
    # Oracle: CREATE USER scott IDENTIFIED BY tiger (a bare word), in such a statement only.
    oracle = re.compile(
        r"(?i)^\s*(?:create|alter)\s+user\s+\S+\s+identified\s+by\s+"
        r"(?!password\b|values\b)([A-Za-z][\w#$]*)"
    )
    password = re.compile(
        r"(?i)\b(?:create|alter)\s+(?:user|role|login)\b[^;]*?\bpassword\s*=?\s*"
        r"(?:N?'((?:[^'\s]|'')+)'|\"((?:[^\"\\\s]|\\.)+)\")"
    )
    necessary_patterns = (
        re.compile(r"(?i:identified\s+by)"),
        re.compile(r"(?i:(?:create|alter)\s+(?:user|role|login))"),
        re.compile(r"(?i:set\s+password)"),
    )

    def find(self, line: str, filename: str, context: list[str]) -> Iterator[str]:
        if _is_doc(filename):
            return
        seen: set[str] = set()
        statement = self.account_statement.search(line) is not None
        for regex in (self.identified, self.password, self.oracle, self.set_password):
            if regex is self.identified and not statement:
                continue  # "identified by 'name'" in prose
            for groups in regex.findall(line):
                if isinstance(groups, str):
                    groups = (groups,)
                value = next((g for g in groups if g), "")
                if value and value not in seen and credible(value):
                    seen.add(value)
                    yield value
