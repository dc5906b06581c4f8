"""``secretsops sample DIR``: write a sample repository of fake credentials to try things on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from secretsops.cli._common import info


def sample(
    target: Annotated[Path, typer.Argument(help="New folder to create the sample in.")],
    no_git: Annotated[
        bool, typer.Option("--no-git", help="Write plain files, no git repository.")
    ] = False,
) -> None:
    """Create a small repository full of freshly generated fake credentials."""
    from secretsops.sample import write_sample

    written = write_sample(target, commit=not no_git)
    info(f"wrote {len(written)} files to {target}; try: secretsops scan {target}")
