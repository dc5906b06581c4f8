"""Text report: one line per finding, ``path:line  type  preview``, then a summary."""

from __future__ import annotations

from secretsops.reports import Report

_RED = "\033[31m"
_BOLD = "\033[1m"
_DIM = "\033[2m"
_RESET = "\033[0m"


_C_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}


def quoted_path(path: str) -> str:
    """A file name as git prints one (``core.quotePath=false``): as it is, unless it holds a
    control character, a double quote or a backslash; then in double quotes with C escapes
    (other control characters in octal), so a name always reads as one name on one line."""
    if not any(ch in _C_ESCAPES or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        return path
    out = []
    for ch in path:
        if ch in _C_ESCAPES:
            out.append(_C_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):03o}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def summary_line(report: Report) -> str:
    stats = report.stats
    parts = [
        f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''}",
        f"{stats.files_scanned} file{'s' if stats.files_scanned != 1 else ''} scanned",
    ]
    if report.baselined:
        parts.append(f"{report.baselined} in baseline")
    if stats.skipped_binary:
        parts.append(f"{stats.skipped_binary} binary skipped")
    if stats.skipped_too_large:
        parts.append(f"{stats.skipped_too_large} over size limit skipped")
    if stats.skipped_unreadable:
        parts.append(f"{stats.skipped_unreadable} unreadable skipped")
    if stats.unparsed:
        count = len(stats.unparsed)
        parts.append(f"{count} pipeline file{'s' if count != 1 else ''} not parsed")
    return ", ".join(parts)


def render_text(report: Report, *, color: bool = False, show_secrets: bool = False) -> str:
    lines = []
    for f in report.findings:
        location = f"{quoted_path(f.path)}:{f.line}"
        shown = f.secret if show_secrets else f.preview
        where = f"  {f.commit[:12]}" if f.commit else ""
        if f.structural_path is not None:
            where += f"  at {f.structural_path}"
        lines.append(
            f"{_paint(location, _BOLD, color)}  {_paint(f.type, _RED, color)}  {shown}"
            f"{_paint(where, _DIM, color)}"
        )
    for path, reason in sorted(report.stats.unparsed.items()):
        # The file's lines were still scanned; only its structure could not be read.
        lines.append(_paint(f"{quoted_path(path)}: skipped as a pipeline: {reason}", _DIM, color))
    lines.append(_paint(summary_line(report), _DIM if not report.findings else _BOLD, color))
    return "\n".join(lines) + "\n"
