"""migrate: move confirmed secrets into Azure Key Vault and rewrite the files that held them.

``plan`` decides names and rewrites without touching anything; ``apply`` writes the vault,
reads every value back, and only then rewrites files, journaling each step without values.
The per-file rewriters live in ``secretsops.migrate.rewriters`` (contract: ``rewriters.base``).
"""
