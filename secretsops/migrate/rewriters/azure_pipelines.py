"""Azure Pipelines YAML: literals become ``$(secret-name)`` macros fed by an ``AzureKeyVault@2``
step (or a Key Vault-linked variable group); scripts read secrets through an explicit ``env:``
mapping, since secret variables are never exported to scripts on their own."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml

from secretsops.migrate.rewriters import _text, _yaml
from secretsops.migrate.rewriters._text import Edit, Lines
from secretsops.migrate.rewriters.base import (
    Reference,
    Replacement,
    RewriteOptions,
    RewriteResult,
    Site,
)

SCRIPT_KEYS = ("script", "bash", "pwsh", "powershell")
_SCRIPT_INPUTS = ("script", "inlineScript")
_GENERIC_KEYS = {*SCRIPT_KEYS, *_SCRIPT_INPUTS, "value", "arguments", "args", "inputs"}
SERVICE_CONNECTION_PLACEHOLDER = "<azure-service-connection>"
_PIPELINE_NAME = re.compile(r"(?i)^(?:azure-pipelines?|\.?azure-pipelines?)[\w.\-]*\.ya?ml$")
_STEP_LINE = re.compile(r"(?m)^\s*-\s*(?:task|script|bash|pwsh|powershell|checkout|template)\s*:")


class AzurePipelinesRewriter:
    kind = "azure-pipelines"

    def handles(self, path: str, text: str) -> bool:
        pure = PurePosixPath(path)
        if pure.suffix.lower() not in (".yml", ".yaml") or ".github" in pure.parts:
            return False
        if pure.name.lower().startswith(".gitlab-ci"):
            return False  # GitLab CI: `script:` keys too, but $(...) means nothing there
        if _PIPELINE_NAME.match(pure.name) or {".azure-pipelines", ".pipelines"} & set(pure.parts):
            return True
        roots = _yaml.documents(text)
        if len(roots) != 1 or not isinstance(roots[0], yaml.MappingNode):
            return False
        keys = {k.value for k, _ in roots[0].value if isinstance(k, yaml.ScalarNode)}
        if "runs-on" in text or "services" in keys or "apiVersion" in keys:
            return False
        return bool(keys & {"stages", "jobs", "steps"}) and bool(_STEP_LINE.search(text))

    def locate(self, path: str, text: str, sites: Sequence[Site]) -> list[Replacement]:
        roots = _yaml.documents(text)
        if not roots:
            return []
        found = list(_yaml.scalars(roots))
        candidates: list[tuple[Site, int]] = []
        for site in sites:  # the scanner's structural path names the node: it comes first
            node = _structural_node(roots, site.structural_path)
            if isinstance(node, yaml.ScalarNode):
                start, end = int(node.start_mark.index), int(node.end_mark.index)
                candidates += [(site, at) for at in _text.occurrences(text, site.value, start, end)]
        candidates += _text.sites_with_extra_occurrences(text, sites)
        out: list[Replacement] = []
        taken: set[tuple[int, int]] = set()
        for site, at in candidates:
            span = (at, at + len(site.value))
            scalar = _containing(found, *span)
            if scalar is None or any(s <= span[0] and span[1] <= e for s, e in taken):
                continue
            taken.add(span)
            stored = site.value
            if _variable_entry(scalar) is not None and "\n" not in str(scalar.node.value):
                # a variable is one setting: the vault holds all of it (a whole connection
                # string), and the entry goes (see render)
                span, stored = (scalar.start, scalar.end), str(scalar.node.value)
                taken.add(span)
            out.append(
                Replacement(
                    site=site,
                    start=span[0],
                    end=span[1],
                    stored=stored,
                    name_hint=_name_hint(scalar),
                )
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
        if not roots or roots[0] is None:
            return _manual(chosen, "the file is not YAML this rewriter can read")
        plan = _Plan(text, roots[0], list(_yaml.scalars(roots[:1])), options)
        for replacement, reference in chosen:
            plan.replace(replacement, reference)
        plan.rename_removed_variables()
        plan.add_vault_access()
        plan.add_env_mappings()
        try:
            new_text = _text.keep_final_newline(text, _text.apply_edits(text, plan.edits))
        except ValueError:  # two edits claim one span: a layout we do not handle
            return _manual(chosen, "the file's layout is beyond this rewriter")
        if not _yaml.parses(new_text):
            return _manual(chosen, "the rewritten file would not parse; rewrite it by hand")
        new_text, leftovers = _text.sweep_leftovers(new_text, chosen)
        return RewriteResult(
            kind=self.kind,
            text=new_text,
            notes=tuple(plan.notes),
            manual=(*plan.manual, *leftovers),
        )


def _manual(chosen: Sequence[tuple[Replacement, Reference]], why: str) -> RewriteResult:
    lines = sorted({(r.site.line, ref.secret_name) for r, ref in chosen})
    return RewriteResult(
        kind=AzurePipelinesRewriter.kind,
        text=None,
        manual=tuple(
            f"line {line}: {why}; use $({name}) from an AzureKeyVault@2 step"
            for line, name in lines
        ),
    )


def _structural_node(roots: list[yaml.Node | None], path: str | None) -> yaml.Node | None:
    if not path:
        return None
    for root in roots:
        node = _yaml.resolve(root, path)
        if node is not None:
            return node
    return None


def _containing(found: list[_yaml.Scalar], start: int, end: int) -> _yaml.Scalar | None:
    for scalar in found:
        if scalar.start <= start and end <= scalar.end:
            return scalar
    return None


def _name_hint(scalar: _yaml.Scalar) -> str:
    path = scalar.path
    if len(path) >= 3 and path[-1] == "value" and path[-3] == "variables":
        return _yaml.scalar_value(_yaml.get(scalar.chain[-1], "name")) or ""
    key = scalar.key
    return key if key is not None and key not in _GENERIC_KEYS else ""


@dataclass
class _Plan:
    """The edits of one render, gathered before they are applied in one pass."""

    text: str
    root: yaml.Node
    scalars: list[_yaml.Scalar]
    options: RewriteOptions
    edits: list[Edit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    # id(steps sequence) -> (the sequence, secret names its steps use)
    steps_using: dict[int, tuple[yaml.SequenceNode, set[str]]] = field(default_factory=dict)
    # id(step mapping) -> (the step, {ENV_NAME: secret-name})
    env_for: dict[int, tuple[yaml.MappingNode, dict[str, str]]] = field(default_factory=dict)
    removed: dict[str, str] = field(default_factory=dict)  # variable name -> secret name
    removed_nodes: set[int] = field(default_factory=set)
    secrets: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lines = Lines(self.text)

    # -- literals --------------------------------------------------------------------------

    def replace(self, replacement: Replacement, reference: Reference) -> None:
        name = reference.secret_name
        if name not in self.secrets:
            self.secrets.append(name)
        scalar = _containing(self.scalars, replacement.start, replacement.end)
        if scalar is None:
            line = self.lines.line_of(replacement.start)
            self.manual.append(f"line {line}: not inside a YAML value; use $({name}) there")
            return
        whole = scalar.node.value == replacement.stored and (
            (replacement.start, replacement.end) == (scalar.start, scalar.end)
            or scalar.node.value == replacement.site.value
        )
        variable = _variable_entry(scalar)
        if variable is not None and whole and self._remove_variable(scalar, *variable, name):
            self.removed[variable[0]] = name
            return
        step = _step_of(scalar)
        if step is not None and _is_script(scalar, step):
            shell = _shell(scalar, step, self.root)
            start, end, new = _text.shell_reference(
                self.text, replacement.start, replacement.end, shell, reference.env_name
            )
            self.edits.append(Edit(start, end, new))
            self._env(step, reference.env_name, name)
        else:
            new = f"$({name})"
            if whole and scalar.node.style is None:
                new = _yaml.quoted_if_needed(new)
            self.edits.append(Edit(replacement.start, replacement.end, new))
        self._used(scalar, name)

    def _remove_variable(
        self, scalar: _yaml.Scalar, var: str, entry: yaml.Node, secret: str
    ) -> bool:
        """Delete a ``variables`` entry that only held the literal (its uses are renamed)."""
        container = scalar.chain[-1] if scalar.path[-1] != "value" else scalar.chain[-2]
        if scalar.path[-1] == "value":  # list form: the whole "- name/value" item
            start = _yaml.line_start(self.text, int(entry.start_mark.index))
            end = _yaml.after_node(self.text, entry)
        else:
            key = _yaml.key_node(scalar.chain[-1], var)
            if key is None or key.start_mark.line != scalar.node.end_mark.line:
                return False
            start = _yaml.line_start(self.text, int(key.start_mark.index))
            end = self.lines.next_start(self.lines.line_of(scalar.end))
        self.edits.append(Edit(start, end, ""))
        self.removed_nodes.add(id(entry))
        remaining = [
            item
            for item in _entries(container)
            if id(item) not in self.removed_nodes and not _is_group(item)
        ]
        if not remaining and not _has_group(container) and not self.options.variable_group:
            key = _key_of(self.root, container)
            if key is not None and key.start_mark.line != container.start_mark.line:
                line = key.start_mark.line + 1
                self.edits.append(Edit(self.lines.start(line), self.lines.next_start(line), ""))
        self.notes.append(
            f"pipeline variable '{var}' was removed: the secret arrives as the secret "
            f"variable $({secret}) from Key Vault; uses in other files (templates) must "
            "be renamed too"
        )
        return True

    def _used(self, scalar: _yaml.Scalar, name: str) -> None:
        steps = _steps_of(scalar)
        if steps is not None:
            self.steps_using.setdefault(id(steps), (steps, set()))[1].add(name)

    def _env(self, step: yaml.MappingNode, env_name: str, secret: str) -> None:
        self.env_for.setdefault(id(step), (step, {}))[1].setdefault(env_name, secret)

    # -- uses of removed variables ---------------------------------------------------------

    def rename_removed_variables(self) -> None:
        for var, secret in self.removed.items():
            macro = re.compile(r"\$\(\s*" + re.escape(var) + r"\s*\)")
            compile_time = re.compile(
                r"\$\{\{[^}]*variables(?:\.|\[')"
                + re.escape(var)
                + r"\b|\$\[[^\]]*variables(?:\.|\[')"
                + re.escape(var)
                + r"\b"
            )
            env_token = re.compile(
                r"(?<![A-Za-z0-9_])"
                + re.escape(var.upper().replace(".", "_"))
                + r"(?![A-Za-z0-9_])"
            )
            for scalar in self.scalars:
                if id(scalar.node) in self.removed_nodes:
                    continue
                source = self.text[scalar.start : scalar.end]
                for m in macro.finditer(source):
                    at = scalar.start + m.start()
                    self.edits.append(Edit(at, scalar.start + m.end(), f"$({secret})"))
                    self._used(scalar, secret)
                for m in compile_time.finditer(source):
                    line = self.lines.line_of(scalar.start + m.start())
                    self.manual.append(
                        f"line {line}: '{var}' is read by a template or runtime expression, "
                        f"which cannot see Key Vault secrets; use the macro $({secret})"
                    )
                step = _step_of(scalar)
                if step is not None and _is_script(scalar, step) and env_token.search(source):
                    self._env(step, var.upper().replace(".", "_"), secret)
                    self._used(scalar, secret)

    # -- Key Vault access ------------------------------------------------------------------

    def add_vault_access(self) -> None:
        if not self.secrets:
            return
        if self.options.variable_group:
            self._add_group(self.options.variable_group)
            return
        all_steps = [
            node
            for node in _all_nodes(self.root)
            if isinstance(node, yaml.SequenceNode) and _is_steps(self.root, node)
        ]
        used = set().union(*(names for _, names in self.steps_using.values()))
        unused = [s for s in self.secrets if s not in used]
        if not all_steps:
            self.manual.append(
                "this file has no steps: add an AzureKeyVault@2 step for "
                + ",".join(self.secrets)
                + " to the jobs that use it"
            )
            return
        for steps in all_steps:
            names = set(self.steps_using.get(id(steps), (steps, set()))[1]) | set(unused)
            if names:
                self._add_task(steps, sorted(names, key=self.secrets.index))
        connection = self.options.service_connection
        if connection:
            self.notes.append(
                f"the AzureKeyVault@2 steps use the service connection '{connection}': its "
                f"identity needs Get and List on vault '{self.options.vault_name}' "
                "(role Key Vault Secrets User)"
            )
        else:
            self.notes.append(
                f"set azureSubscription '{SERVICE_CONNECTION_PLACEHOLDER}' of the "
                "AzureKeyVault@2 steps to an Azure Resource Manager service connection whose "
                f"identity has Get and List on vault '{self.options.vault_name}'"
            )
        self.notes.append(
            "pull requests from forks get no secrets: steps that need them fail there "
            "unless you condition them"
        )

    def _add_task(self, steps: yaml.SequenceNode, names: list[str]) -> None:
        if steps.flow_style or not steps.value:
            self.manual.append(
                f"line {steps.start_mark.line + 1}: add an AzureKeyVault@2 step for "
                + ",".join(names)
            )
            return
        existing = _existing_task(steps.value, self.options.vault_name)
        if existing is not None:
            current = [n.strip() for n in str(existing.value).split(",") if n.strip()]
            if "*" in current:
                return
            merged = current + [n for n in names if n not in current]
            start, end = int(existing.start_mark.index), int(existing.end_mark.index)
            self.edits.append(Edit(start, end, _yaml.quoted_if_needed(",".join(merged))))
            return
        first = steps.value[0]
        dash = _yaml.dash_column(self.text, first)
        at = _yaml.line_start(self.text, int(first.start_mark.index))
        pad = " " * dash
        nl = _text.newline_of(self.text)
        connection = self.options.service_connection or SERVICE_CONNECTION_PLACEHOLDER
        body = [
            f"{pad}- task: AzureKeyVault@2",
            f"{pad}  displayName: Read secrets from Key Vault",
            f"{pad}  inputs:",
            f"{pad}    azureSubscription: {_yaml.quoted_if_needed(connection)}",
            f"{pad}    KeyVaultName: {_yaml.quoted_if_needed(self.options.vault_name)}",
            f"{pad}    SecretsFilter: {_yaml.quoted_if_needed(','.join(names))}",
            f"{pad}    RunAsPreJob: true",
        ]
        self.edits.append(Edit(at, at, nl.join(body) + nl))

    def _add_group(self, group: str) -> None:
        nl = _text.newline_of(self.text)
        variables = _yaml.get(self.root, "variables")
        names = ",".join(self.secrets)
        self.notes.append(
            f"link variable group '{group}' to Key Vault '{self.options.vault_name}' "
            f"(Library > Variable groups > Link secrets from an Azure key vault) with the "
            f"secrets {names}, and authorize this pipeline to use it"
        )
        if isinstance(variables, yaml.SequenceNode) and not variables.flow_style:
            if any(_yaml.scalar_value(_yaml.get(i, "group")) == group for i in variables.value):
                return
            if variables.value:
                first = variables.value[0]
                dash = _yaml.dash_column(self.text, first)
                at = _yaml.line_start(self.text, int(first.start_mark.index))
                self.edits.append(Edit(at, at, f"{' ' * dash}- group: {group}{nl}"))
                return
        if isinstance(variables, yaml.MappingNode) and not variables.flow_style:
            self._variables_as_list(variables, group)
            return
        if variables is not None:
            self.manual.append(f"add '- group: {group}' to the pipeline's variables")
            return
        at = len(self.text)
        for key, _ in getattr(self.root, "value", []):
            if isinstance(key, yaml.ScalarNode) and key.value in ("stages", "jobs", "steps"):
                at = _yaml.line_start(self.text, int(key.start_mark.index))
                break
        prefix = "" if at == 0 or self.text[at - 1] == "\n" else nl
        self.edits.append(Edit(at, at, f"{prefix}variables:{nl}- group: {group}{nl}"))

    def _variables_as_list(self, variables: yaml.MappingNode, group: str) -> None:
        """A group can only join the list form: ``k: v`` entries become ``- name/value``."""
        nl = _text.newline_of(self.text)
        key_node = _yaml.key_node(self.root, "variables")
        assert key_node is not None
        col = _yaml.column(self.text, int(variables.start_mark.index))
        pad = " " * col
        after_key = self.lines.next_start(self.lines.line_of(int(key_node.start_mark.index)))
        self.edits.append(Edit(after_key, after_key, f"{pad}- group: {group}{nl}"))
        for key, value in variables.value:
            if id(value) in self.removed_nodes:
                continue
            if key.start_mark.line != value.end_mark.line:
                self.manual.append(
                    f"line {key.start_mark.line + 1}: turn this variable into a "
                    "'- name: ... / value: ...' item (the list form a group needs)"
                )
                continue
            key_text = self.text[int(key.start_mark.index) : int(key.end_mark.index)]
            value_text = self.text[int(value.start_mark.index) : int(value.end_mark.index)]
            self.edits.append(
                Edit(
                    int(key.start_mark.index),
                    int(value.end_mark.index),
                    f"- name: {key_text}{nl}{pad}  value: {value_text}",
                )
            )

    # -- env mappings ----------------------------------------------------------------------

    def add_env_mappings(self) -> None:
        for step, wanted in self.env_for.values():
            found = _yaml.env_insertion(self.text, step, {k: f"$({v})" for k, v in wanted.items()})
            if isinstance(found, str):
                self.manual.append(found)
            elif found is not None:
                self.edits.append(Edit(found[0], found[0], found[1]))


def _key_of(root: yaml.Node, container: yaml.Node) -> yaml.ScalarNode | None:
    """The mapping key whose value is ``container``."""
    for node in _all_nodes(root):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if value is container and isinstance(key, yaml.ScalarNode):
                    return key
    return None


def _entries(container: yaml.Node) -> list[yaml.Node]:
    if isinstance(container, yaml.MappingNode):
        return [v for _, v in container.value]
    if isinstance(container, yaml.SequenceNode):
        return list(container.value)
    return []


def _is_group(item: yaml.Node) -> bool:
    return _yaml.get(item, "group") is not None


def _has_group(container: yaml.Node) -> bool:
    return any(_is_group(i) for i in _entries(container))


def _variable_entry(scalar: _yaml.Scalar) -> tuple[str, yaml.Node] | None:
    """(variable name, the entry node to delete) for a scalar that is a variable's value."""
    path = scalar.path
    if len(path) >= 2 and path[-2] == "variables" and isinstance(path[-1], str):
        return path[-1], scalar.node
    if len(path) >= 3 and path[-1] == "value" and path[-3] == "variables":
        item = scalar.chain[-1]
        name = _yaml.scalar_value(_yaml.get(item, "name"))
        if name:
            return name, item
    return None


def _steps_of(scalar: _yaml.Scalar) -> yaml.SequenceNode | None:
    """The ``steps`` sequence the scalar sits in (its innermost one)."""
    for i in range(len(scalar.path) - 1, -1, -1):
        if scalar.path[i] == "steps" and i + 1 < len(scalar.path):
            node = scalar.chain[i + 1] if i + 1 < len(scalar.chain) else None
            if isinstance(node, yaml.SequenceNode):
                return node
    return None


def _step_of(scalar: _yaml.Scalar) -> yaml.MappingNode | None:
    for i in range(len(scalar.path) - 1, 0, -1):
        if isinstance(scalar.path[i], int) and scalar.path[i - 1] == "steps":
            node = scalar.chain[i + 1] if i + 1 < len(scalar.chain) else None
            if isinstance(node, yaml.MappingNode):
                return node
    return None


def _is_script(scalar: _yaml.Scalar, step: yaml.MappingNode) -> bool:
    path = scalar.path
    if path and path[-1] in SCRIPT_KEYS and scalar.chain[-1] is step:
        return True
    return len(path) >= 2 and path[-2] == "inputs" and path[-1] in _SCRIPT_INPUTS


def _shell(scalar: _yaml.Scalar, step: yaml.MappingNode, root: yaml.Node) -> str:
    key = scalar.path[-1]
    if key == "bash":
        return "bash"
    if key in ("pwsh", "powershell"):
        return "pwsh"
    task = (_yaml.scalar_value(_yaml.get(step, "task")) or "").lower()
    inputs = _yaml.get(step, "inputs")
    if task.startswith("bash@"):
        return "bash"
    if task.startswith("powershell@"):
        return "pwsh"
    if task.startswith("azurecli@"):
        kind = (_yaml.scalar_value(_yaml.get(inputs, "scriptType")) or "").lower()
        return {"ps": "pwsh", "pscore": "pwsh", "batch": "cmd"}.get(kind, "bash")
    windows = any(
        "windows" in (_yaml.scalar_value(_yaml.get(_yaml.get(node, "pool"), "vmImage")) or "")
        for node in (*scalar.chain, root)
    )
    return "cmd" if windows else "bash"


def _all_nodes(node: yaml.Node) -> list[yaml.Node]:
    out = [node]
    if isinstance(node, yaml.MappingNode):
        for _, v in node.value:
            out.extend(_all_nodes(v))
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            out.extend(_all_nodes(v))
    return out


def _is_steps(root: yaml.Node, node: yaml.SequenceNode) -> bool:
    for parent in _all_nodes(root):
        if isinstance(parent, yaml.MappingNode):
            for k, v in parent.value:
                if v is node and isinstance(k, yaml.ScalarNode) and k.value == "steps":
                    return True
    return False


def _existing_task(items: list[yaml.Node], vault: str) -> yaml.ScalarNode | None:
    for item in items:
        task = (_yaml.scalar_value(_yaml.get(item, "task")) or "").lower()
        inputs = _yaml.get(item, "inputs")
        if task.startswith("azurekeyvault@") and (
            _yaml.scalar_value(_yaml.get(inputs, "KeyVaultName")) == vault
        ):
            found = _yaml.get(inputs, "SecretsFilter")
            if isinstance(found, yaml.ScalarNode):
                return found
    return None
