"""The bot's own light markup, parsed into neutral inline runs.

Templates and the bot's replies are written in a small markup: `*strong*`, `_emphasis_`,
`` `code` ``, `:emoji:`, line breaks. Values never go through that parser: a value becomes a
*token* (a private-use character pair around an index into a per-message list of inline runs), so
the literal characters a schedule or a person wrote are never read as markup, and cannot forge a
token either (a value's characters are kept in its run, outside the parsed string).

    compose("Sorry, only {names} can steer.", names=...)   # a reply written in code
    Tokens() / tokens.add(inline) / parse(text, tokens)     # how the template renderer uses it
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Any

from bot.chat.message import Code, Emoji, Emphasis, Inline, Inlines, Strong, Text, is_inline, merge, plain

OPEN, CLOSE = "\ue000", "\ue001"
_TOKEN = re.compile(f"{OPEN}(\\d+){CLOSE}")
_EMOJI = re.compile(r":([a-z0-9_+-]*[a-z+][a-z0-9_+-]*):")
_BLANK_LINES = re.compile(r"\n{3,}")
_PRIVATE = re.compile(f"[{OPEN}{CLOSE}]")


def literal(value: object) -> str:
    """A value's characters, with the two token delimiters removed (they mean nothing to a reader)."""
    return _PRIVATE.sub("", "" if value is None else str(value))


@dataclass
class Tokens:
    """The inline runs that one message's tokens stand for."""

    runs: list[Inline] = field(default_factory=list)

    def add(self, inline: Inline) -> str:
        self.runs.append(inline)
        return f"{OPEN}{len(self.runs) - 1}{CLOSE}"

    def text(self, value: object) -> str:
        return self.add(Text(literal(value)))


@dataclass(frozen=True)
class _Marker:
    char: str  # "*", "_" or "`"
    opens: bool
    closes: bool


_Atom = Inline | _Marker


def _atoms(source: str, tokens: Tokens) -> list[_Atom]:
    """The string cut into literal text, markers and the runs its tokens stand for."""
    atoms: list[_Atom] = []
    position = 0
    for match in _TOKEN.finditer(source):
        atoms.extend(_literal_atoms(source, position, match.start()))
        index = int(match.group(1))
        if index < len(tokens.runs):
            atoms.append(tokens.runs[index])
        position = match.end()
    atoms.extend(_literal_atoms(source, position, len(source)))
    return atoms


def _neighbour(source: str, index: int) -> str:
    """The character at `index` as a marker sees it: a token counts as a word character."""
    if index < 0 or index >= len(source):
        return " "
    char = source[index]
    return "x" if char in (OPEN, CLOSE) else char


def _literal_atoms(source: str, start: int, end: int) -> list[_Atom]:
    atoms: list[_Atom] = []
    buffer: list[str] = []
    index = start
    while index < end:
        char = source[index]
        if char == ":":
            found = _EMOJI.match(source, index, end)
            if found:
                _flush(buffer, atoms)
                atoms.append(Emoji(found.group(1)))
                index = found.end()
                continue
        if char in "*_`":
            before, after = _neighbour(source, index - 1), _neighbour(source, index + 1)
            if char == "`":
                _flush(buffer, atoms)
                atoms.append(_Marker(char, True, True))
                index += 1
                continue
            word_before, word_after = before.isalnum(), after.isalnum()
            opens = not after.isspace() and (char == "*" or not word_before)
            closes = not before.isspace() and (char == "*" or not word_after)
            if opens or closes:
                _flush(buffer, atoms)
                atoms.append(_Marker(char, opens, closes))
                index += 1
                continue
        buffer.append(char)
        index += 1
    _flush(buffer, atoms)
    return atoms


def _flush(buffer: list[str], atoms: list[_Atom]) -> None:
    if buffer:
        atoms.append(Text("".join(buffer)))
        buffer.clear()


def _nest(atoms: list[_Atom]) -> Inlines:
    """Markers paired into Strong, Emphasis and Code; an unpaired marker is a literal character."""
    stack: list[tuple[_Marker | None, list[Inline]]] = [(None, [])]
    for atom in atoms:
        if not isinstance(atom, _Marker):
            if stack[-1][0] is not None and stack[-1][0].char == "`":
                stack[-1][1].append(Text(plain((atom,))))
            else:
                stack[-1][1].append(atom)
            continue
        open_chars = [m.char for m, _ in stack[1:] if m is not None]
        in_code = bool(open_chars) and open_chars[-1] == "`"
        if in_code and atom.char != "`":
            stack[-1][1].append(Text(atom.char))
            continue
        if atom.closes and atom.char in open_chars:
            while True:
                marker, content = stack.pop()
                assert marker is not None
                if marker.char == atom.char:
                    stack[-1][1].append(_wrap(marker.char, content))
                    break
                stack[-1][1].extend([Text(marker.char), *content])  # an inner marker left open
            continue
        if atom.opens:
            stack.append((atom, []))
            continue
        stack[-1][1].append(Text(atom.char))
    while len(stack) > 1:
        marker, content = stack.pop()
        assert marker is not None
        stack[-1][1].extend([Text(marker.char), *content])
    return merge(stack[0][1])


def _wrap(char: str, content: list[Inline]) -> Inline:
    inner = merge(content)
    if char == "*":
        return Strong(inner)
    if char == "_":
        return Emphasis(inner)
    return Code(plain(inner))


def tidy(source: str) -> str:
    """No leading or trailing blank space, and at most one empty line in a row."""
    return _BLANK_LINES.sub("\n\n", source.strip())


def parse(source: str, tokens: Tokens | None = None) -> Inlines:
    """Markup (with tokens from `tokens`) into inline runs."""
    return _nest(_atoms(tidy(source), tokens or Tokens()))


class _Formatter(string.Formatter):
    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens

    def format_field(self, value: Any, format_spec: str) -> str:
        if is_inline(value):
            return self.tokens.add(value)
        if isinstance(value, tuple) and all(is_inline(v) for v in value):
            return "".join(self.tokens.add(v) for v in value)
        return self.tokens.text(format(value, format_spec))


def compose(markup: str, /, **values: object) -> Inlines:
    """Markup written in code, with `{name}` fields filled by values: text stays literal, inline
    runs (a Mention, a Time, a tuple of runs) stay what they are."""
    tokens = Tokens()
    return parse(_Formatter(tokens).vformat(markup, (), values), tokens)
