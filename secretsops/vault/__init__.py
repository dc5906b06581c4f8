"""Azure Key Vault: the local emulator (``secretsops.vault.emulator``) and, later, the vault side
of ``migrate``. Importing this package loads nothing heavy."""
