"""CSV cells a spreadsheet shows instead of running: text that starts like a formula (`=`, `+`, `-`,
`@`, a tab or a carriage return) gets a leading `'`, so a name such as `=HYPERLINK(...)` typed into a
form stays a name when the organisers open the export."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
