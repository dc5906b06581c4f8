"""secretsops: find hardcoded credentials and move them into Azure Key Vault."""

from __future__ import annotations

__version__ = "0.1.0"
