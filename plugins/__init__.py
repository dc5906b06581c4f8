"""secretsops' own detectors, as detect-secrets plugins.

This folder installs as the package ``secretsops_plugins``. Every public module here is loaded
by ``secretsops.scan.engine``; each concrete ``BasePlugin`` subclass a module defines becomes active
in every scan. Rules for a plugin module:

- one module per provider family (``azure.py``, ``github.py``...);
- ``secret_type`` and the class name are stored in baselines: never rename them;
- import detect-secrets modules, not concrete plugin classes (an imported class would be
  registered a second time under this module);
- optional ``confidence`` class attribute (``"low"``, ``"medium"``, ``"high"``) and
  ``confidence_for(secret) -> str`` method for offline validation (e.g. checksums).
"""
