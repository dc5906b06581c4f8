"""``secretsops scan org``: many repositories scanned as Dask tasks, one merged report."""
