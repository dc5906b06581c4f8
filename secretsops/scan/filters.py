"""Precision filters shared by every detector: values that look like credentials but are not.

These are detect-secrets filter functions, registered by dotted path in
``secretsops.scan.engine._settings_config``. detect-secrets calls a filter with the arguments its
parameters name (``secret``, ``line``, ``filename``, ``plugin``) and treats a ``TypeError`` raised
inside one as "not applicable", which would silently disable it: so every function here takes
only what it needs, checks types it is unsure of, and never imports detect-secrets at module
level (this module is imported by the docs generator without it).

Each filter returns True to drop a reported value. The decisions, in brief (``docs/detectors.md``
lists them all, generated from the docstrings below):

- A GUID is an identifier in Azure (tenant, client, subscription, object ids), so a value that is
  only a GUID is dropped, unless the line assigns it to a password-like name (some systems, e.g.
  Heroku API keys or legacy npm tokens, do use GUIDs as secrets) or the detector's own format is
  a GUID.
- Generic detectors (keyword assignments and entropy strings) never report a value a specific
  detector already reports on the same line, so one credential is one finding of one type.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any
from urllib.parse import unquote

#: Detectors that report on shape or name alone; specific detectors take precedence over them.
GENERIC_PLUGINS = frozenset({"KeywordDetector", "Base64HighEntropyString", "HexHighEntropyString"})
ENTROPY_PLUGINS = frozenset({"Base64HighEntropyString", "HexHighEntropyString"})
#: Detectors that read a value's place in a configuration file or statement (``.netrc``, PHP
#: ``define``, ``IDENTIFIED BY``...): more precise than entropy, less than the keyword detector,
#: which keeps the lines it reports (so baselines written before them keep matching).
STRUCTURAL_PLUGINS = frozenset(
    {"CredentialFileDetector", "AppConfigSecretDetector", "SqlStatementPasswordDetector"}
)
#: Detectors whose own format is (or may be) a GUID: the GUID filter leaves them alone.
GUID_FORMAT_PLUGINS = frozenset({"NpmDetector"})

# What every precision filter is, in the order the docs list them.
FILTERS = (
    "is_placeholder",
    "is_reference",
    "is_guid",
    "is_hash_or_digest",
    "is_public_material",
    "is_documented_example",
    "is_generic_indirect_reference",
    "is_name_of_a_secret",
    "is_covered_by_specific_detector",
    "is_unnamed_entropy",
    "is_generic_in_documentation",
    "is_test_fixture_value",
    "is_dollar_prefixed",
)


def _plugin_name(plugin: Any) -> str:
    return type(plugin).__name__ if plugin is not None else ""


# --- placeholders -------------------------------------------------------------------------

_PLACEHOLDER_WORDS = re.compile(
    r"change[-_ ]?(?:me|it)|replace[-_ ]?me|placeholder|example|dummy|redacted|not[-_]?a[-_]?real"
    r"|insert[-_ ]?here|xxxx|\*\*\*\*|\.\.\.\.|…|your[-_ ]?[a-z0-9_ -]{0,30}[-_ ]?here"
    r"|^your[-_]|^my[-_]?(?:password|secret|token|key)$|^(?:fake|test|sample)[-_]"
    r"|^(?:password|passwd|secret|token|pass|test|admin|user|letmein|qwerty)[-_]?\d{0,6}[!.]?$",
    re.IGNORECASE,
)
_PLACEHOLDER_VALUES = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "pass",
        "pwd",
        "none",
        "null",
        "nil",
        "undefined",
        "true",
        "false",
        "required",
        "optional",
        "string",
        "todo",
        "tbd",
        "unset",
        "empty",
        "default",
        "value",
        "secretvalue",
        "mypassword",
        "yourpassword",
    }
)


def is_placeholder(secret: str) -> bool:
    """Placeholders: ``<...>``, ``changeme``, ``your-...-here``, ``xxxx``, ``****``, ``example``,
    ``dummy``, ``redacted``, a value that is one repeated character, or a bare word such as
    ``password``, ``none`` or ``todo``, or such a word followed by digits (``password123``).
    A real password containing "example" is dropped too: a deliberate trade, as such values are
    overwhelmingly documentation."""
    if not isinstance(secret, str):
        return False
    value = secret.strip().strip("\"'")
    if not value:
        return True
    if value.startswith("<") and value.endswith(">"):
        return True
    if value.casefold() in _PLACEHOLDER_VALUES:
        return True
    if len(set(value)) <= 2 and len(value) >= 4:
        return True
    return bool(_PLACEHOLDER_WORDS.search(value))


# --- references ---------------------------------------------------------------------------

_REFERENCE = re.compile(
    r"\$\(|\$\[|\$\{|^%[A-Za-z_][A-Za-z0-9_]*%$|%[A-Z_][A-Za-z0-9_]*%|\{\{|\}\}|@Microsoft\.KeyVault\("
    r"|^\$[A-Za-z_]|#\{[^}]*\}#?|^__[A-Za-z0-9_]+__$|<%=?|\[parameters\(|\[variables\("
    r"|^\{[A-Za-z_][A-Za-z0-9_.]*\}$|^%\([A-Za-z_]+\)s$"
)
_ENV_LOOKUP = re.compile(
    r"(?:os\.environ(?:\.get)?|os\.getenv|getenv|process\.env|import\.meta\.env"
    r"|Environment\.GetEnvironmentVariable|System\.getenv|\$env:|\bENV|\benv"
    r"|Configuration|config)"
    r"\s*[\[(.:]\s*[\"']?([A-Za-z_][A-Za-z0-9_.:-]*)"
)


_ENV_EXPRESSION = re.compile(
    r"^(?:os\.environ\b|os\.getenv\(|process\.env\b|import\.meta\.env\b|Deno\.env\.get\("
    r"|Environment\.GetEnvironmentVariable\(|System\.getenv\(|\$env:|ENV\[|ENV\.fetch\()"
)


#: Detectors whose values are hashes in crypt formats (``$apr1$...``, ``$P$...``): such a value
#: begins like a ``$VAR`` reference and is named like a digest, yet is what must be reported.
HASH_PLUGINS = frozenset({"PasswordHashDetector"})


def is_reference(secret: str, line: str, plugin: Any = None) -> bool:
    """References to a secret kept elsewhere: ``$(name)``, ``$[ ... ]``, ``${{ ... }}``,
    ``${VAR}``, ``$VAR``, ``%VAR%``, ``{{ ... }}``, ``#{name}#``, ``__name__``,
    ``@Microsoft.KeyVault(...)``, ARM ``[parameters('x')]``, and the name inside an
    environment lookup (``os.environ[...]``, ``os.getenv``, ``process.env.X``,
    ``Environment.GetEnvironmentVariable``, ``System.getenv``, ``$env:X``), or the lookup
    expression itself when a generic detector takes it for the value
    (``password = process.env.DB_PASSWORD;`` in a TypeScript file). Password hashes
    (``$apr1$...``) are not references."""
    if not isinstance(secret, str) or _plugin_name(plugin) in HASH_PLUGINS:
        return False
    if _REFERENCE.search(secret) or _ENV_EXPRESSION.match(secret):
        return True
    if not isinstance(line, str) or len(line) > 2000:
        return False
    return any(m.group(1) == secret for m in _ENV_LOOKUP.finditer(line))


# --- GUIDs ---------------------------------------------------------------------------------

_GUID = re.compile(
    r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?"
)
_PASSWORD_NAME = re.compile(
    r"(?i)(?:pass(?:word|wd|phrase)?|pwd|secret|api[-_]?key|apikey|token|auth[-_]?key)"
    r"[\w.\-\]\"']*\s*(?::=|=>|[:=]|,)\s*[\"']?\{?$"
)


def is_guid(secret: str, line: str, plugin: Any = None) -> bool:
    """GUIDs (tenant, client, subscription and object ids in Azure are not credentials). Kept
    when the line assigns the GUID to a password-, secret-, token- or api-key-like name, and for
    detectors whose format is a GUID (legacy npm tokens). Generic detectors also drop values
    that merely contain a GUID (as detect-secrets' own UUID filter did, which this replaces)."""
    if not isinstance(secret, str) or _plugin_name(plugin) in GUID_FORMAT_PLUGINS:
        return False
    if _GUID.fullmatch(secret):
        if isinstance(line, str):
            at = line.find(secret)
            if at > 0 and _PASSWORD_NAME.search(line[:at]):
                return False
        return True
    return _plugin_name(plugin) in GENERIC_PLUGINS and bool(_GUID.search(secret))


# --- hashes, digests, commit ids -------------------------------------------------------------

_LOCK_FILES = frozenset(
    {
        "pnpm-lock.yaml",
        "npm-shrinkwrap.json",
        "go.sum",
        "uv.lock",
        "flake.lock",
        "gradle.lockfile",
        "mix.lock",
        "pubspec.lock",
        "deno.lock",
        "bun.lock",
        "conan.lock",
        "paket.lock",
        "project.assets.json",
    }
)
_HASH_CONTEXT = re.compile(
    r"(?i)(?:integrity|checksum|digest|hash|sha(?:1|224|256|384|512)?|md5|commit|revision|\brev\b"
    r"|\bref\b|etag|fingerprint|thumbprint|nonce|blob|tree|parent|object)"
)
_PREFIXED_DIGEST = re.compile(r"(?i)(?:sha(?:1|224|256|384|512)|md5|blake2b?|h1)[-:=]")
_HEX = re.compile(r"[0-9a-fA-F]+")
_SHA_IN_URL = re.compile(r"(?:@|/commits?/|/blob/|/tree/|/raw/|#)[0-9a-f]{7,64}\b")


def is_hash_or_digest(secret: str, line: str, filename: str = "", plugin: Any = None) -> bool:
    """Hashes that are not credentials: any hex or base64 value in a lock file; integrity
    fields (``sha512-...``, ``sha256:...``); hex values of 32, 40 or 64 digits named as a hash,
    digest, checksum, commit, revision, ref or thumbprint; commit SHAs pinned in URLs and
    ``uses: owner/action@<sha>``. The password-hash detector's findings are left alone: a
    password's hash is a credential to crack."""
    if not isinstance(secret, str) or not isinstance(line, str):
        return False
    if _plugin_name(plugin) in HASH_PLUGINS:
        return False
    at = line.find(secret)
    before = line[max(0, at - 12) : at] if at >= 0 else ""
    if isinstance(filename, str) and os.path.basename(filename) in _LOCK_FILES:
        return "://" not in secret
    if _PREFIXED_DIGEST.search(before) or _PREFIXED_DIGEST.match(secret):
        return True
    if "integrity" in line.casefold():
        return True
    if _HEX.fullmatch(secret) and len(secret) in (32, 40, 64, 128):
        if _HASH_CONTEXT.search(line[:at] if at > 0 else line):
            return True
        if at > 0 and _SHA_IN_URL.search(line[at - 10 : at + len(secret) + 1]):
            return True
    return False


# --- public keys and certificates ----------------------------------------------------------

_PUBLIC_LINE = re.compile(
    r"ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-|sk-ssh-|BEGIN (?:CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY"
    r"|PGP PUBLIC KEY BLOCK|X509 CRL|CERTIFICATE REQUEST)"
)
_PUBLIC_NAME = re.compile(
    r"(?i)(?:public[-_ ]?key|pub[-_]?key|certificate|\bcert\b|_cert\b|\bx5c\b|x5t|thumbprint"
    r"|ca[-_]?bundle|\.pub\b|authorized_keys|known_hosts|host[-_]?key)"
)


def is_public_material(secret: str, line: str, plugin: Any = None) -> bool:
    """Public keys and certificates: OpenSSH public keys (``ssh-rsa AAAA...``), PEM
    certificates and public keys, and base64 DER (``MII...``) or thumbprints under a name that
    says certificate or public key."""
    if not isinstance(secret, str) or not isinstance(line, str):
        return False
    if _plugin_name(plugin) == "PrivateKeyDetector":
        return False
    if _PUBLIC_LINE.search(line) and "PRIVATE" not in line:
        return True
    at = line.find(secret)
    prefix = line[:at] if at > 0 else ""
    return bool(_PUBLIC_NAME.search(prefix) and not re.search(r"(?i)private|secret|passw", prefix))


# --- documented example keys -----------------------------------------------------------------

# SHA-256 of credentials that vendors publish for local emulators and documentation, so that
# their literal values never appear in this repository: the Azurite (storage emulator)
# account key and the Azure Cosmos DB emulator key.
_PUBLISHED_KEY_SHA256 = frozenset(
    {
        "0011cc25eb4320717494d2703e8cba85743e71b500283c21c8b88147992f9059",
        "1b00405901f5b5689bf6eb01e4b9a97b0dc9500aa0c744c6f00e198514e5d03a",
    }
)
_EMULATOR_LINE = re.compile(
    r"devstoreaccount1|UseDevelopmentStorage|localhost:8081|127\.0\.0\.1:8081"
)


def is_documented_example(secret: str, line: str) -> bool:
    """Keys published as examples: AWS's ``...EXAMPLE`` ids and keys (also caught as
    placeholders), the Azurite storage emulator key and the Cosmos DB emulator key (matched by
    SHA-256, or by the emulator's well-known account name or endpoint on the line)."""
    if not isinstance(secret, str):
        return False
    if secret.endswith("EXAMPLE") or secret.endswith("EXAMPLEKEY"):
        return True
    digest = hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()
    if digest in _PUBLISHED_KEY_SHA256:
        return True
    return isinstance(line, str) and bool(_EMULATOR_LINE.search(line))


# --- generic detectors -------------------------------------------------------------------------

_INDIRECT = re.compile(r"(?::=?|[!=]{1,3})\s*[\w.\-]+[\[(][^\v]*[\])]")


def is_generic_indirect_reference(secret: str, line: str, plugin: Any = None) -> bool:
    """For generic detectors only: ``secret = get_secret()`` or ``key = headers['apikey']``, a
    value computed by code rather than written in it (the value is not a quoted literal on a
    line that assigns a call or subscript). detect-secrets applies its version of this to every
    detector and every line, which hid real credentials passed to a call, such as
    ``engine = create_engine("postgresql://user:pw@host/db")``; this replaces it."""
    if _plugin_name(plugin) not in GENERIC_PLUGINS:
        return False
    if not isinstance(line, str) or not isinstance(secret, str) or len(line) > 1000:
        return False
    if not _INDIRECT.search(line):
        return False
    return f'"{secret}' not in line and f"'{secret}" not in line


_WORD_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_LETTERS_AND_SEPARATORS = re.compile(r"[A-Za-z]+(?:[-_.][A-Za-z]+)*")
_VOWELS = frozenset("aeiouyAEIOUY")


def is_word_like(text: str) -> bool:
    """Letters (and ``-``, ``_``, ``.`` between them) that split, at case changes, into words
    of 2+ letters each holding a vowel: ``serviceEndpoint``, ``BotAccount-dotnet-bot``; not
    ``xKqvBnMzLpRt``."""
    if not _LETTERS_AND_SEPARATORS.fullmatch(text):
        return False
    words = _WORD_PARTS.findall(text)
    return all(len(w) >= 2 and any(c in _VOWELS for c in w) for w in words)


_PASSWORD_KEYWORD = re.compile(r"(?i)pass|pwd")


def is_name_of_a_secret(secret: str, line: str, plugin: Any = None) -> bool:
    """For the keyword detector only: a value made of words (``BotAccount-dotnet-maestro-bot``,
    ``serviceEndpoint``) under a secret-, token- or key-like name that is not a password's is
    the name of a secret kept elsewhere, or an option, not a secret. Under a password's name a
    value of words is kept (a password may be words)."""
    if _plugin_name(plugin) != "KeywordDetector":
        return False
    if not isinstance(secret, str) or not isinstance(line, str) or not is_word_like(secret):
        return False
    at = line.find(secret)
    return not _PASSWORD_KEYWORD.search(line[:at] if at > 0 else line)


_NAMED = re.compile(
    r"(?i)(?:key|secret|token|pass|pwd|auth|credential|sig(?:nature)?\b|conn|private|bearer)"
)


def is_unnamed_entropy(secret: str, line: str, plugin: Any = None) -> bool:
    """For the entropy detectors only: a high-entropy string is reported only when its line
    names it as a credential (key, secret, token, pass, pwd, auth, credential, signature,
    connection, private, bearer). Unnamed random-looking strings (test data, encoded assets,
    ids) are the main source of false alarms in ordinary code."""
    if _plugin_name(plugin) not in ENTROPY_PLUGINS or not isinstance(line, str):
        return False
    if not isinstance(secret, str):
        return False
    at = line.find(secret)
    return not _NAMED.search(line[:at] if at > 0 else line)


_DOC_EXTENSIONS = frozenset({".md", ".markdown", ".rst", ".adoc", ".asciidoc", ".txt"})


def is_generic_in_documentation(secret: str, filename: str, plugin: Any = None) -> bool:
    """For generic detectors only: documentation files (``.md``, ``.rst``, ``.adoc``, ``.txt``)
    show configuration by example (``SECRET_KEY = '...'``), so a keyword or entropy match there
    is not reported; credentials of a known format still are, wherever they appear."""
    if _plugin_name(plugin) not in GENERIC_PLUGINS or not isinstance(filename, str):
        return False
    return os.path.splitext(filename)[1].casefold() in _DOC_EXTENSIONS


# --- made-up values in tests ------------------------------------------------------------------

#: Detectors whose value may be chosen by a person (a password under a name, in a URL, in a
#: connection string or template), so a made-up word is a plausible false alarm. Detectors of a
#: fixed token format (GitHub, AWS, private keys, storage keys...) are never filtered here.
HUMAN_CHOSEN_PLUGINS = frozenset(
    {
        "KeywordDetector",
        "BasicAuthDetector",
        "AzureTemplateParameterDetector",
        "SqlConnectionStringDetector",
        "CredentialFileDetector",
        "AppConfigSecretDetector",
        "SqlStatementPasswordDetector",
    }
)
_TEST_PATH = re.compile(
    r"(?i)(?:^|[/\\])(?:tests?|__tests__|spec|specs|testdata|test[-_]data|testing|fixtures?"
    r"|e2e|[^/\\]+[._\-]tests?)[/\\]"
    r"|(?:^|[/\\])(?:test_[^/\\]*|[^/\\]*_tests?\.\w+|[^/\\]*\.(?:test|spec)\.\w+|conftest\.py)$"
)
# Words at case changes and between symbols: ``CircleOfLife`` -> Circle, Of, Life.
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_VOWELS = frozenset("aeiouyAEIOUY")
_CONSONANT_RUN = re.compile(r"(?i)[b-df-hj-np-tv-xz]{4}")


def is_test_path(filename: str) -> bool:
    """``filename`` is test code or test data: under a ``test``, ``tests``, ``__tests__``,
    ``spec``, ``testdata``, ``fixtures``, ``testing``, ``e2e`` or ``*.Tests`` folder, or named
    ``test_*``, ``*_test.*``, ``*.test.*``, ``*.spec.*`` or ``conftest.py``."""
    return isinstance(filename, str) and bool(_TEST_PATH.search(filename))


def _pronounceable(word: str) -> bool:
    if not 3 <= len(word) <= 20:
        return False
    share = sum(c in _VOWELS for c in word) / len(word)
    return 0.2 <= share <= 0.75 and not _CONSONANT_RUN.search(word)


_LEET = str.maketrans("013457@$!", "oieastasi")
_CREDENTIAL_WORD = re.compile(r"secret|passw(?:or)?d|token")


def _spells_a_credential_word(text: str) -> bool:
    """``s00pers3cret``, ``P@ssw0rd1``: read with digits and symbols as the letters they
    imitate, the value says "secret", "password" or "token", and the rest is pronounceable."""
    plain = text.lower().translate(_LEET)
    match = _CREDENTIAL_WORD.search(plain)
    if match is None:
        return False
    rest = re.findall(r"[a-z]+", plain[: match.start()] + " " + plain[match.end() :])
    return all(len(w) <= 2 or _pronounceable(w) for w in rest)


def _made_up(value: str) -> bool:
    text = unquote(unquote(value))
    if len(text) < 6 or _spells_a_credential_word(text):
        return True
    if any(c.isdigit() for c in text) or len(text) > 64:
        return False
    letters = sum(c.isalpha() for c in text)
    wordy = sum(len(w) for w in _WORD.findall(text) if _pronounceable(w))
    return letters > 0 and letters - wordy <= 2 and wordy * 5 >= letters * 3


def is_test_fixture_value(secret: str, filename: str, plugin: Any = None) -> bool:
    """For detectors of human-chosen values only (keyword assignments, URL passwords, SQL
    connection strings, ARM/Bicep parameters), in test code and test data (see
    ``is_test_path``: ``tests/``, ``test_*.py``, ``*.spec.ts``, ``testdata/``, ``fixtures/``...):
    values that are obviously made up, as test suites and URL-parser test tables are full of
    them. Made up means, after URL-decoding, shorter than 6 characters (``bar``, ``%3A%40c``), or
    free of digits and made of pronounceable words (split at case changes and symbols; 3 to 20
    letters, a fifth to three quarters vowels, no run of 4 consonants), at most 2 letters
    outside them: ``CircleOfLife``, ``FooBarBazToken``, ``old-password``, ``pass%23pass``,
    ``foo(b]c``; or values that spell a credential word in leetspeak (``s00pers3cret``,
    ``P@ssw0rd1``). Otherwise a value with a digit, a random-looking letter string
    (``xKqvBnMzLpRt``), any credential of a known format in a test folder, and a made-up word
    outside tests are still reported. The trade: about 1 in 30 random 12-letter mixed-case
    strings without digits looks pronounceable and is dropped when it sits in a test file."""
    if _plugin_name(plugin) not in HUMAN_CHOSEN_PLUGINS or not isinstance(secret, str):
        return False
    return is_test_path(filename) and _made_up(secret)


def is_covered_by_specific_detector(
    secret: str, line: str, plugin: Any = None, filename: str = "", context: Any = None
) -> bool:
    """For generic detectors only: the value overlaps one a specific detector reports on the
    same line (the keyword detector also takes precedence over the entropy detectors), so a
    credential is reported once, under its most precise type. Detectors that read the file's
    name or the lines around (``.netrc``, ``.pgpass``, Spring properties...) are asked with
    them. The structural detectors (``STRUCTURAL_PLUGINS``) rank between the keyword detector
    and the entropy ones: a value the keyword detector also takes stays a ``Secret Keyword``."""
    name = _plugin_name(plugin)
    if name not in GENERIC_PLUGINS and name not in STRUCTURAL_PLUGINS:
        return False
    if not isinstance(secret, str) or not isinstance(line, str):
        return False
    from detect_secrets.settings import get_plugins

    for other in get_plugins():
        other_name = type(other).__name__
        if other_name == name or other_name in ENTROPY_PLUGINS:
            continue
        if other_name == "KeywordDetector" and name not in ENTROPY_PLUGINS | STRUCTURAL_PLUGINS:
            continue
        if other_name in STRUCTURAL_PLUGINS and name not in ENTROPY_PLUGINS:
            continue
        try:
            ask = getattr(other, "values_on", None)
            if callable(ask) and isinstance(filename, str) and filename:
                lines = getattr(context, "lines", None)
                target = getattr(context, "target_index", None)
                found = list(ask(filename, line, lines, target))
            else:
                found = list(other.analyze_string(line))
        except Exception:  # noqa: S112 - a detector's failure must not stop filtering
            continue
        for value in found:
            if isinstance(value, str) and value and (value in secret or secret in value):
                return True
    return False


def is_dollar_prefixed(secret: str, plugin: Any = None) -> bool:
    """Values beginning with ``$``: a shell, PHP or template variable (``$1``, ``$$x``), as
    detect-secrets' ``is_prefixed_with_dollar_sign``, which this replaces; except password
    hashes in crypt formats (``$6$...``, ``$apr1$...``, ``$2y$...``), which begin with ``$``."""
    if not isinstance(secret, str) or _plugin_name(plugin) in HASH_PLUGINS:
        return False
    return secret.startswith("$")


def filter_paths() -> list[str]:
    """Dotted paths of every precision filter, as detect-secrets records them."""
    return [f"{__name__}.{name}" for name in FILTERS]


# Inline allowlist comments beyond detect-secrets' own ``pragma: allowlist secret``.
GITLEAKS_MARKER = "gitleaks:allow"


def is_gitleaks_allowlisted(line: str) -> bool:
    """A line carrying gitleaks' ``gitleaks:allow`` marker, for teams moving over."""
    return GITLEAKS_MARKER in line
