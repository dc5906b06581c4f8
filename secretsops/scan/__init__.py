"""The scanning core: text in, findings out.

- ``engine``: detect-secrets configured for secretsops (the only module that drives it);
- ``prefilter`` and ``literals``: which plugins can report on a line, proven cheaply;
- ``views``: what detect-secrets' transformers make of a file, computed in memory;
- ``filters``: precision filters and inline allowlists (detect-secrets filter functions);
- ``files``: items (working tree, index) to findings;
- ``history``, ``blobs``, ``cache``: every blob of every ref, once, attributed to its commits;
- ``findings``, ``fingerprint``, ``checksums``: what a finding is and how its value is named.
"""
