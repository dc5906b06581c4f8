"""String literals of C-like languages (JavaScript/TypeScript, C#, PowerShell, Bicep, HCL),
found by a small scanner that knows each language's quotes, escapes and comments. Enough to
replace a literal, never a parser: a literal it cannot decode exactly is left to a person."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    quotes: str  # quote characters that open a string
    line_comments: tuple[str, ...] = ("//",)
    block_comments: tuple[tuple[str, str], ...] = (("/*", "*/"),)
    escape: str = "\\"  # escape character inside strings ("" for none)
    doubled_quotes: bool = False  # '' inside '...' is one quote (PowerShell, C# verbatim)
    interpolation: tuple[str, ...] = ("${",)  # markers that make a literal a template
    verbatim_prefix: str = ""  # C#: @"..." has no escapes and doubled quotes
    interpolated_prefix: str = ""  # C#: $"...", a template


JAVASCRIPT = Language(quotes="'\"`")
CSHARP = Language(quotes='"', interpolation=(), verbatim_prefix="@", interpolated_prefix="$")
POWERSHELL = Language(
    quotes="'\"",
    line_comments=("#",),
    block_comments=(("<#", "#>"),),
    escape="`",
    doubled_quotes=True,
    interpolation=("$",),
)
BICEP = Language(quotes="'", interpolation=("${",))
HCL = Language(quotes='"', line_comments=("#", "//"), interpolation=("${", "%{"))


@dataclass(frozen=True)
class Literal:
    start: int  # the opening quote (or prefix)
    end: int  # after the closing quote
    body_start: int
    body_end: int
    quote: str
    value: str | None  # the decoded text; None when it holds escapes we do not decode
    template: bool  # holds interpolation: only part of it is a constant


def literals(text: str, lang: Language) -> list[Literal]:
    out: list[Literal] = []
    i, n = 0, len(text)
    while i < n:
        comment = _comment_end(text, i, lang)
        if comment is not None:
            i = comment
            continue
        char = text[i]
        prefix = ""
        if lang.verbatim_prefix or lang.interpolated_prefix:
            j = i
            while j < n and text[j] in (lang.verbatim_prefix + lang.interpolated_prefix):
                j += 1
            if j > i and j < n and text[j] in lang.quotes and (i == 0 or not text[i - 1].isalnum()):
                prefix, char = text[i:j], text[j]
        if char not in lang.quotes:
            i += 1
            continue
        literal = _string(text, i, len(prefix), char, lang, prefix)
        if literal is None:
            i += len(prefix) + 1
            continue
        out.append(literal)
        i = literal.end
    return out


def _comment_end(text: str, i: int, lang: Language) -> int | None:
    for marker in lang.line_comments:
        if text.startswith(marker, i):
            end = text.find("\n", i)
            return len(text) if end == -1 else end
    for opening, closing in lang.block_comments:
        if text.startswith(opening, i):
            end = text.find(closing, i + len(opening))
            return len(text) if end == -1 else end + len(closing)
    return None


def _string(
    text: str, start: int, prefix_len: int, quote: str, lang: Language, prefix: str
) -> Literal | None:
    verbatim = bool(lang.verbatim_prefix) and lang.verbatim_prefix in prefix
    escape = "" if verbatim else lang.escape
    if quote == "'" and lang is POWERSHELL:
        escape = ""  # single-quoted PowerShell strings are verbatim
    doubled = lang.doubled_quotes or verbatim
    multiline = quote == "`" or verbatim or lang is POWERSHELL
    body_start = start + prefix_len + 1
    j = body_start
    n = len(text)
    decoded: list[str] = []
    exact = True
    while j < n:
        c = text[j]
        if escape and c == escape:
            nxt = text[j + 1 : j + 2]
            if nxt in (quote, escape):
                decoded.append(nxt)
            else:
                exact = False
            j += 2
            continue
        if c == quote:
            if doubled and text[j + 1 : j + 2] == quote:
                decoded.append(quote)
                j += 2
                continue
            break
        if c == "\n" and not multiline:
            return None
        decoded.append(c)
        j += 1
    if j >= n:
        return None
    body = text[body_start:j]
    if lang is POWERSHELL:
        here_string = text[start - 1 : start] == "@"  # @"..."@: a block, not a literal
        template = here_string or (quote == '"' and re.search(r"\$[A-Za-z_{(]", body) is not None)
    elif lang is JAVASCRIPT:
        template = quote == "`" and "${" in body
    else:
        template = bool(lang.interpolated_prefix) and lang.interpolated_prefix in prefix
        template = template or any(m in body for m in lang.interpolation)
    return Literal(
        start=start,
        end=j + 1,
        body_start=body_start,
        body_end=j,
        quote=quote,
        value="".join(decoded) if exact else None,
        template=template,
    )


def containing(found: list[Literal], start: int, end: int) -> Literal | None:
    for literal in found:
        if literal.body_start <= start and end <= literal.body_end:
            return literal
    return None
