"""Amazon Web Services credentials."""

from __future__ import annotations

import re

from detect_secrets.plugins import base


class AWSKeyDetector(base.RegexBasedDetector):
    """AWS access key ids (``AKIA``, ``ASIA``, ``ABIA``, ``ACCA``, ``A3T`` and 16 characters)
    and 40-character secret access keys assigned to an AWS secret-key name, quoted or not
    (``aws_secret_access_key = ...`` in ``~/.aws/credentials``, ``.env``, YAML, code).

    Replaces detect-secrets' detector of the same class name and type (baselines keep
    matching): same id pattern, bounded so it does not match inside longer words; its secret-key
    pattern required quotes, which missed INI, ``.env`` and YAML files; it also had a network
    verifier, which secretsops never calls.
    """

    secret_type = "AWS Access Key"  # noqa: S105  # pragma: allowlist secret (a name)
    confidence = "high"
    provider = "Amazon Web Services"
    denylist = (
        re.compile(r"(?<![A-Z0-9])((?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16})(?![A-Z0-9])"),
        re.compile(
            r"(?i:aws)[\w.\-]{0,20}?(?i:secret|sec_key|secretkey)[\w.\-\"'\]]{0,20}?\s*"
            r"(?::=|=>|[:=,]|\s)\s*[\"']?([0-9a-zA-Z/+]{40})(?![0-9a-zA-Z/+=])"
        ),
        re.compile(
            r"(?i:secret_access_key|secretaccesskey|aws_secret)[\"'\]]?\s*(?::=|=>|[:=,])\s*"
            r"[\"']?([0-9a-zA-Z/+]{40})(?![0-9a-zA-Z/+=])"
        ),
    )
