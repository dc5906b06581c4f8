"""purge: rewrite history so that confirmed secrets are gone from every ref, then prove it.

``targets`` turns an audited baseline (or a migration journal) into the values to remove,
recovered from history blobs and matched by fingerprint; ``rewrite`` makes the mirror clone
and the bundle backup and runs git-filter-repo; ``verify`` rescans the result and reads every
object with git; ``report`` writes the next steps. Values stay in memory, except in the
owner-only replacement file git-filter-repo reads, which is deleted when the run ends.
"""
