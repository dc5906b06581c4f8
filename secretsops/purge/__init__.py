"""purge: rewrite history so that confirmed secrets are gone from every ref, then prove it.

``targets`` turns an audited baseline (or a migration journal) into the values to remove,
recovered from history blobs and matched by fingerprint; ``rewrite`` makes the bundle backup
and the mirror clone and runs git-filter-repo; ``verify`` rescans the result and reads every
object with git; ``report`` writes the next steps. ``cleanup`` records the stages of the guided
``secretsops cleanup``; ``demo`` builds the demo's sample history. Values stay in memory, except
in the owner-only replacement file git-filter-repo reads, unlinked as soon as it is open.
"""
