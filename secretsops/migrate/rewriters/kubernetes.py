"""Kubernetes ``Secret`` manifests: the values leave the manifest and a Secrets Store CSI
``SecretProviderClass`` (Azure provider) takes its place, syncing the vault secrets back into
a Kubernetes Secret of the same name and keys, so pods that read it keep working."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from pathlib import PurePosixPath

import yaml

from secretsops.migrate.rewriters import _text, _yaml
from secretsops.migrate.rewriters._text import Edit
from secretsops.migrate.rewriters.base import (
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)

CLIENT_ID_PLACEHOLDER = "<workload-identity-client-id>"
TENANT_PLACEHOLDER = "<tenant-id>"


class KubernetesSecretRewriter:
    kind = "kubernetes"

    def handles(self, path: str, text: str) -> bool:
        if PurePosixPath(path).suffix.lower() not in (".yml", ".yaml"):
            return False
        return any(_is_secret(root) for root in _yaml.documents(text))

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        roots = _yaml.documents(text)
        hits = _yaml.hits(text, roots, sites)
        out: list[Replacement] = []
        for hit in hits:
            scalar = hit.scalar
            path_ = scalar.path
            if not (_is_secret(roots[scalar.doc]) and len(path_) == 2):
                continue
            if path_[0] not in ("data", "stringData") or not isinstance(path_[1], str):
                continue
            value = str(scalar.node.value)
            stored = _decoded(value) if path_[0] == "data" else value
            if stored is None:
                continue
            out.append(
                Replacement(sites[hit.site_index], scalar.start, scalar.end, stored, path_[1])
            )
        return out

    def render(
        self,
        path: str,
        text: str,
        chosen: Sequence[tuple[Replacement, Reference]],
        options: RewriteOptions,
    ) -> RewriteResult:
        roots = _yaml.documents(text)
        found = list(_yaml.scalars(roots))
        nl = _text.newline_of(text)
        by_doc: dict[int, dict[str, str]] = {}  # doc -> {key: vault secret}
        for replacement, reference in chosen:
            scalar = next((s for s in found if s.start == replacement.start), None)
            if scalar is not None:
                by_doc.setdefault(scalar.doc, {})[str(scalar.path[1])] = reference.secret_name
        edits: list[Edit] = []
        notes: list[str] = []
        manual: list[str] = []
        for doc, keys in sorted(by_doc.items()):
            root = roots[doc]
            assert isinstance(root, yaml.MappingNode)
            name = _yaml.scalar_value(_yaml.get(_yaml.get(root, "metadata"), "name")) or "secret"
            namespace = _yaml.scalar_value(_yaml.get(_yaml.get(root, "metadata"), "namespace"))
            kind = _yaml.scalar_value(_yaml.get(root, "type")) or "Opaque"
            entries = _entries(root)
            start = _yaml.line_start(text, int(root.start_mark.index))
            end = _yaml.after_node(text, root)
            if set(entries) <= set(keys):
                provider = _provider_class(name, namespace, name, kind, keys, options.vault_name)
                edits.append(Edit(start, end, nl.join(provider) + nl))
                target = name
            elif any(
                isinstance(node, yaml.MappingNode) and node.flow_style
                for node in (_yaml.get(root, "data"), _yaml.get(root, "stringData"))
            ):
                manual.append(
                    f"Secret '{name}' keeps other keys in a one-line mapping: move "
                    + ", ".join(sorted(keys))
                    + " to Key Vault by hand (a SecretProviderClass, see the notes)"
                )
                continue
            else:
                for key in keys:
                    key_node, value = entries[key]
                    line_at = _yaml.line_start(text, int(key_node.start_mark.index))
                    edits.append(Edit(line_at, _yaml.after_node(text, value), ""))
                target = f"{name}-keyvault"
                provider = _provider_class(name, namespace, target, kind, keys, options.vault_name)
                sep = "" if end == 0 or text[end - 1] == "\n" else nl
                edits.append(Edit(end, end, sep + "---" + nl + nl.join(provider) + nl))
                manual.append(
                    f"Secret '{name}' keeps its other keys; pods must read "
                    + ", ".join(sorted(keys))
                    + f" from Secret '{target}' (synced from Key Vault) instead"
                )
            notes.append(
                f"SecretProviderClass '{name}-keyvault' syncs Key Vault '{options.vault_name}' "
                f"into Secret '{target}' only while a pod mounts it: add to the pod a volume "
                "{csi: {driver: secrets-store.csi.k8s.io, readOnly: true, volumeAttributes: "
                f"{{secretProviderClass: {name}-keyvault}}}}}} and a volumeMount (files appear "
                "under the mount path, one per key)"
            )
        if by_doc:
            notes.append(
                f"fill clientID '{CLIENT_ID_PLACEHOLDER}' (a workload identity with Get on the "
                f"vault) and tenantId '{TENANT_PLACEHOLDER}'; the cluster needs the Secrets "
                "Store CSI driver with the Azure provider"
            )
        new_text = _text.keep_final_newline(text, _text.apply_edits(text, edits))
        if not _yaml.parses(new_text):
            return RewriteResult(
                kind=self.kind,
                text=None,
                manual=tuple(f"line {r.site.line}: move this key to Key Vault" for r, _ in chosen),
            )
        new_text, leftovers = _text.sweep_leftovers(new_text, chosen)
        return RewriteResult(
            kind=self.kind, text=new_text, notes=tuple(notes), manual=(*manual, *leftovers)
        )


def _is_secret(root: yaml.Node | None) -> bool:
    return (
        isinstance(root, yaml.MappingNode)
        and _yaml.scalar_value(_yaml.get(root, "kind")) == "Secret"
        and (_yaml.scalar_value(_yaml.get(root, "apiVersion")) or "v1") == "v1"
    )


def _decoded(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _entries(root: yaml.MappingNode) -> dict[str, tuple[yaml.ScalarNode, yaml.Node]]:
    out: dict[str, tuple[yaml.ScalarNode, yaml.Node]] = {}
    for section in ("data", "stringData"):
        node = _yaml.get(root, section)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                out[str(key.value)] = (key, value)
    return out


def _provider_class(
    name: str, namespace: str | None, target: str, kind: str, keys: dict[str, str], vault: str
) -> list[str]:
    lines = [
        "apiVersion: secrets-store.csi.x-k8s.io/v1",
        "kind: SecretProviderClass",
        "metadata:",
        f"  name: {name}-keyvault",
    ]
    if namespace:
        lines.append(f"  namespace: {namespace}")
    lines += [
        "spec:",
        "  provider: azure",
        "  parameters:",
        f'    clientID: "{CLIENT_ID_PLACEHOLDER}"',
        f'    keyvaultName: "{vault}"',
        f'    tenantId: "{TENANT_PLACEHOLDER}"',
        "    objects: |",
        "      array:",
    ]
    for key, secret in keys.items():
        lines += [
            "        - |",
            f"          objectName: {secret}",
            "          objectType: secret",
            f"          objectAlias: {key}",
        ]
    lines += ["  secretObjects:", f"  - secretName: {target}", f"    type: {kind}", "    data:"]
    for key in keys:
        lines += [f"    - objectName: {key}", f"      key: {key}"]
    return lines
