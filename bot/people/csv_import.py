"""The organisers' registrant list, as a CSV: read forgivingly, refused row by row with reasons.

A header row names the columns `name, title, organisation, email, phone, mode, language` in any
order (extra columns are ignored, a few common spellings accepted), and optionally `matrix`: the
person's Matrix id, how they are found on Matrix, which has no directory by e-mail. UTF-8 with or
without a BOM; commas or semicolons. Each row either becomes `Details` or a problem with its line
number: a missing name, an unknown mode, a malformed e-mail or Matrix id, a duplicate of an earlier
row. Pure: the store and the chat platform come after.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from bot.agenda.header import MATRIX_USER_ID
from bot.people.registrants import EMAIL, FIELD_LIMITS, Details, normal_email, normal_language, normal_mode

COLUMNS = ("name", "title", "organisation", "email", "phone", "mode", "language")
OPTIONAL = ("matrix",)  # beside the named columns: read when present
ALIASES = {
    "full name": "name",
    "nom": "name",
    "nombre": "name",
    "position": "title",
    "titre": "title",
    "cargo": "title",
    "organization": "organisation",
    "organisation represented": "organisation",
    "org": "organisation",
    "organisme": "organisation",
    "organización": "organisation",
    "e-mail": "email",
    "mail": "email",
    "courriel": "email",
    "correo": "email",
    "telephone": "phone",
    "téléphone": "phone",
    "teléfono": "phone",
    "tel": "phone",
    "attendance": "mode",
    "participation": "mode",
    "lang": "language",
    "langue": "language",
    "idioma": "language",
    "matrix id": "matrix",
    "mxid": "matrix",
}
REQUIRED = ("name", "mode")


@dataclass(frozen=True)
class Row:
    line: int
    details: Details


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class Parsed:
    rows: tuple[Row, ...]
    problems: tuple[RowProblem, ...]
    fatal: str | None = None  # the file as a whole cannot be read as a registrant list


def _column(header: str) -> str | None:
    word = " ".join(header.strip().lower().replace("_", " ").split())
    word = ALIASES.get(word, word)
    return word if word in COLUMNS or word in OPTIONAL else None


def parse_registrants(text: str, modes: tuple[str, ...]) -> Parsed:
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return Parsed((), (), "is empty: the first row names the columns (name, mode, email, ...)")
    except csv.Error as exc:
        return Parsed((), (), f"is not a CSV file ({exc})")
    columns = [_column(h) for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        return Parsed(
            (),
            (),
            f"has no {' and no '.join(repr(c) for c in missing)} column; the first row must name the columns "
            f"({', '.join(COLUMNS)}), found: {', '.join(h.strip() for h in header)[:200]}",
        )
    rows: list[Row] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            values = {
                c: record[i].strip() for i, c in enumerate(columns) if c is not None and i < len(record)
            }
            row, problem = _row(line, values, modes, seen)
            if problem is not None:
                problems.append(problem)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        problems.append(
            RowProblem(reader.line_num, f"cannot be read as CSV ({exc}); the rows after it are not read")
        )
    return Parsed(tuple(rows), tuple(problems))


def _row(
    line: int, values: dict[str, str], modes: tuple[str, ...], seen: dict[str, int]
) -> tuple[Row | None, RowProblem | None]:
    name = values.get("name", "")
    if not name:
        return None, RowProblem(line, "no name")
    raw_mode = values.get("mode", "")
    mode = normal_mode(raw_mode)
    if mode is None or mode not in modes:
        offered = " or ".join(m.replace("_", " ") for m in modes)
        return None, RowProblem(line, f"{name}: unknown mode '{raw_mode}' (this webinar offers {offered})")
    email = values.get("email") or None
    if email and not EMAIL.match(email):
        return None, RowProblem(line, f"{name}: '{email}' is not an e-mail address")
    matrix = values.get("matrix", "").removeprefix("'") or None  # `'@…`: as our export neutralised it
    if matrix and not MATRIX_USER_ID.match(matrix):
        return None, RowProblem(line, f"{name}: '{matrix}' is not a Matrix id (@name:example.org)")
    identities = [normal_email(email) if email else "", f"matrix:{matrix}" if matrix else ""]
    identities = [i for i in identities if i] or [f"name:{' '.join(name.lower().split())}"]
    earlier = next((seen[i] for i in identities if i in seen), None)
    if earlier is not None:
        return None, RowProblem(line, f"{name}: the same person as on line {earlier}; this row is skipped")
    seen.update((i, line) for i in identities)
    for field, limit in FIELD_LIMITS.items():
        if len(values.get(field, "")) > limit:
            return None, RowProblem(line, f"{name}: {field} is longer than {limit} characters")
    raw_language = values.get("language", "")
    language = normal_language(raw_language) if raw_language else None
    problem = None
    if raw_language and language is None:
        problem = RowProblem(
            line, f"{name}: unknown language '{raw_language}' (en, fr or es); the webinar's is used"
        )
    details = Details(
        name=name,
        mode=mode,
        title=values.get("title", ""),
        organisation=values.get("organisation", ""),
        email=email,
        phone=values.get("phone", ""),
        language=language,
        matrix=matrix,
    )
    return Row(line, details), problem
