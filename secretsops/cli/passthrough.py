"""``secretsops detect-secrets ...``: detect-secrets' own CLI, with our plugins registered.

Our baselines name our plugins without a file path (so they stay portable); the plain
``detect-secrets`` command cannot load such a baseline, this one can.
"""

from __future__ import annotations

import typer


def detect_secrets(ctx: typer.Context) -> None:
    from secretsops.scan.engine import run_detect_secrets

    raise typer.Exit(run_detect_secrets(list(ctx.args)))
