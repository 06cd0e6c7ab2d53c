"""Every word a chat reader sees comes from a catalogue or a template: a check over the code.

A string literal with words in it, handed to what builds a message (`compose`, `Text`, a button,
a form, a field, an option) and not wrapped in the reader's `w(...)` (or marked `N_`), is a
sentence only English readers would get. The command line, the local stand-in and the rehearsal
console are for whoever runs the bot, and stay English.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from support import ROOT

BOT = ROOT / "bot"
ENGLISH_ONLY = ("commands", "localslack", "rehearsal")
KEYWORDS = {"w": None, "N_": None, "NP_": (1, 2), "plural": (1, 2)}
# What builds a message, and which of its arguments a reader reads (positions, keywords).
BUILDERS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "compose": ((0,), ()),
    "Text": ((0,), ()),
    "Button": ((0,), ("label",)),
    "Option": ((0, 2), ("label", "description")),
    "TextField": ((1,), ("label", "placeholder")),
    "Choice": ((1,), ("label",)),
    "Checkboxes": ((1,), ("label",)),
    "Form": ((1,), ("title", "submit", "cancel")),
    "Section": ((), ()),
}
WORDS = re.compile(r"[A-Za-z]{3,}")


def chat_modules() -> Iterator[Path]:
    for path in sorted(BOT.rglob("*.py")):
        parts = path.relative_to(BOT).parts
        if parts[0] not in ENGLISH_ONLY and parts[0] != "slack":
            yield path


def reads_as_words(text: str) -> bool:
    """Words a person reads: not a placeholder, an emoji code, a command or an identifier."""
    stripped = re.sub(r"\{[^}]*\}|:[a-z0-9_+-]+:|`[^`]*`|https?://\S+", "", text)
    return bool(WORDS.search(stripped))


def _callee(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")


def literal_sentences(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name not in BUILDERS:
            continue
        positions, keywords = BUILDERS[name]
        shown = [node.args[i] for i in positions if i < len(node.args)]
        shown += [k.value for k in node.keywords if k.arg in keywords]
        for value in shown:
            if isinstance(value, ast.Call) and _callee(value) not in KEYWORDS and value.args:
                value = value.args[0]  # a sentence translated by a callable the catalogue cannot see
            if (
                isinstance(value, ast.Constant)
                and isinstance(value.value, str)
                and reads_as_words(value.value)
            ):
                found.append((node.lineno, value.value))
            if isinstance(value, ast.JoinedStr):
                literal = "".join(
                    part.value
                    for part in value.values
                    if isinstance(part, ast.Constant) and isinstance(part.value, str)
                )
                if reads_as_words(literal):
                    found.append((node.lineno, ast.unparse(value)))
    return found


def test_no_sentence_for_a_chat_reader_is_written_in_code_outside_the_catalogues() -> None:
    offenders = {
        str(path.relative_to(ROOT)): found for path in chat_modules() if (found := literal_sentences(path))
    }
    assert offenders == {}


def test_the_check_itself_finds_a_sentence_written_in_code(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'compose("Thanks! Your question is in {place}.", place=p)\n'
        'compose(w("Thanks! Your question is in {place}."), place=p)\n'
        'compose("*{title}* ({total})", title=t, total=n)\n'
        'Button(f"Show all {total}", SHOW_ALL, key)\n'
        'compose(backstage("{who} looked up question {n}."), who=m)\n'
    )
    assert [line for line, _ in literal_sentences(sample)] == [1, 4, 5]


def extracted() -> set[str]:
    found: set[str] = set()
    method_map = [(f"{folder}/**", "ignore") for folder in ENGLISH_ONLY] + [("**.py", "python")]
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(BOT), method_map=method_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_the_template_catalogue_holds_every_string_the_code_marks() -> None:
    """`make messages` was run after the last new string: translators see everything."""
    with (BOT / "locale" / "bot.pot").open("rb") as stream:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(stream) if m.id}
    assert sorted(extracted() - template) == []
