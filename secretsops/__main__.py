from __future__ import annotations

from secretsops.cli import main

if __name__ == "__main__":
    main()
