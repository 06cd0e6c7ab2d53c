"""YAML read into plain values that remember their line numbers, with aliases expanded once and bounded.

PyYAML's constructor forgets where things were, and YAML 1.1 resolves `14:00` to the integer 840
and `no` to False. Schedules are read from the parser's events instead: scalars stay the strings
the author wrote (nulls become None), and mappings and sequences carry the line of every entry, so
each problem can name its line.

Events rather than `yaml.compose`: a composed node tree costs some 300 bytes of nodes and marks
per value before a single LDict is built (314 MB and 2.8 s for a 2 MiB flow list), while events
are consumed one by one, so only the values themselves are kept.

Aliases are hostile input's cheapest weapon: nine lines of nine aliases each stand for 9**9 values
(the "billion laughs"). Each anchored value is built once and an alias shares it, so reading costs
what the text costs. But code downstream walks the logical tree, where every alias is expanded, so
sharing alone is not enough: the size of that tree is counted as the document is read (each
anchor's size memoised, an alias adding its anchor's size) and a document standing for more than
MAX_VALUES values is refused with a YamlTooBig (a YamlError). Sharing is safe because nothing
downstream mutates a loaded LDict or LList (only the reader calls `put` and `add`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import yaml

# libyaml's parser when PyYAML was built with it (ten times faster), else the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NULL_TAG = "tag:yaml.org,2002:null"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# YAML 1.1's implicit null and merge, as yaml.resolver.Resolver resolves plain scalars; only these two
# resolutions matter here (every other scalar stays the text as written).
_PLAIN_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_PLAIN_MERGE = "<<"

MAX_DEPTH: Final = 64
"""How deeply values may nest: a schedule needs six levels; each open level costs memory while read."""
MAX_VALUES: Final = 300_000
"""How many values (every scalar, key, mapping and sequence, aliases expanded) a document may hold.

A 1 MB schedule of real items holds 120,000 to 150,000 (bench/bench_check_large.py generates valid
and broken ones), so twice that is never reached by one; yet the code downstream, which walks every
expanded value, checks 300,000 of them within the 2 s and 100 MB promised for a 1 MB schedule.
"""


class LDict(dict[str, object]):
    """A mapping that knows the line of itself and of each key (1-based). Read-only by convention.

    Only keys on another line than the mapping's own are noted (`key_lines`, None until one is):
    a flow mapping such as `{speaker: ana, minutes: 5}` then costs no second dict.
    """

    __slots__ = ("key_lines", "line")

    def __init__(self, line: int = 0) -> None:  # empty, as dict.__new__ made it
        self.line = line
        self.key_lines: dict[str, int] | None = None

    def line_of(self, key: str) -> int:
        lines = self.key_lines
        return self.line if lines is None else lines.get(key, self.line)

    def put(self, key: str, value: object, line: int) -> None:
        """Set a key and its line (for the reader; code that reads schedules never changes an LDict)."""
        self[key] = value
        if line != self.line:
            if self.key_lines is None:
                self.key_lines = {}
            self.key_lines[key] = line
        elif self.key_lines is not None:
            self.key_lines.pop(key, None)


class LList(list[object]):
    """A sequence that knows the line of itself and of each entry (1-based). Read-only by convention.

    Entries' lines are noted (`item_lines`) only once one is on another line than the list's own.
    """

    __slots__ = ("item_lines", "line")

    def __init__(self, line: int = 0) -> None:  # empty, as list.__new__ made it
        self.line = line
        self.item_lines: list[int] | None = None

    def line_of(self, index: int) -> int:
        lines = self.item_lines
        if lines is None:
            return self.line
        return lines[index] if 0 <= index < len(lines) else self.line

    def add(self, value: object, line: int) -> None:
        """Append an entry and its line (for the reader; code that reads schedules never changes an LList)."""
        if self.item_lines is None and line != self.line:
            self.item_lines = [self.line] * len(self)
        self.append(value)
        if self.item_lines is not None:
            self.item_lines.append(line)


def empty_list(line: int = 0) -> LList:
    return LList(line)


@dataclass(frozen=True)
class Duplicate:
    key: str
    line: int
    first_line: int


class YamlError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class YamlTooBig(YamlError):
    """Well-formed YAML refused for its size: past MAX_VALUES values, or nested past MAX_DEPTH."""


def load_located(text: str, max_values: int = MAX_VALUES) -> tuple[object, list[Duplicate]]:
    """Parse one YAML document into LDict / LList / str / None values, and report duplicate keys.

    YamlError when the text is not YAML or holds more than one document; YamlTooBig when it stands
    for more than `max_values` values once its aliases are expanded, or nests past MAX_DEPTH.
    """
    builder = _Builder(max_values)
    handlers = builder.handlers()
    loader = _LOADER(text)
    try:
        event = loader.get_event()
        while event is not None:  # a million events a second: one dict look-up, one call each
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event)
            event = loader.get_event()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise YamlError(message or "not valid YAML", line) from exc
    except yaml.YAMLError as exc:
        raise YamlError(str(exc), None) from exc
    finally:
        loader.dispose()
    return builder.root, builder.duplicates


def _line(event: yaml.Event) -> int:
    mark = event.start_mark
    return mark.line + 1 if mark is not None else 0


@dataclass(frozen=True)
class _Anchored:
    """What an anchor stands for: its value, the size of its expanded tree, and how it reads as a key."""

    value: object
    size: int
    line: int
    key: str | None  # the scalar's text (a key keeps `~` as written); None for a collection
    merge: bool = False


class _Open:
    """A mapping or sequence being read: its value so far and the size of its expanded tree so far."""

    __slots__ = ("anchor", "key", "key_line", "merge", "merged", "size", "value")

    def __init__(self, value: LDict | LList, anchor: str | None) -> None:
        self.value = value
        self.anchor = anchor
        self.size = 1
        self.key: str | None = None  # a mapping's key waiting for its value
        self.key_line = 0
        self.merge = False  # the waiting key is `<<`
        self.merged: set[str] | None = None  # keys a merge gave, which a key written in the mapping overrides


class _Builder:
    """Turns parser events into values; the one place that counts the document's expanded size."""

    def __init__(self, max_values: int) -> None:
        self.max_values = max_values
        self.root: object = None
        self.duplicates: list[Duplicate] = []
        self.anchors: dict[str, _Anchored] = {}
        self.open_anchors: dict[str, int] = {}  # anchors of collections still being read, to their line
        self.stack: list[_Open] = []
        self.total = 0  # values in the expanded tree so far
        self.by_aliases = 0  # values the aliases stand for, of `total`
        self.documents = 0
        self.strings: dict[str, str] = {}  # one copy of each scalar text: keys repeat thousands of times

    def handlers(self) -> dict[type[yaml.Event], Callable[[Any], None]]:
        """What to do with each kind of event (stream and document ends need nothing)."""
        return {
            yaml.ScalarEvent: self._scalar,
            yaml.AliasEvent: self._alias,
            yaml.MappingStartEvent: self._start,
            yaml.SequenceStartEvent: self._start,
            yaml.MappingEndEvent: self._end,
            yaml.SequenceEndEvent: self._end,
            yaml.DocumentStartEvent: self._document,
        }

    def _document(self, event: yaml.DocumentStartEvent) -> None:
        self.documents += 1
        if self.documents > 1:
            line = _line(event)
            raise YamlError("expected a single document in the stream but found another document", line)
        self.anchors.clear()

    def _count(self, size: int, line: int) -> None:
        self.total += size
        if self.total > self.max_values:
            if self.by_aliases * 2 > self.total:
                message = (
                    f"its aliases expand to more than {self.max_values:,} values, more than a schedule "
                    "can need (a few lines of aliases must not cost gigabytes)"
                )
            else:
                message = f"it holds more than {self.max_values:,} values, more than a schedule can need"
            raise YamlTooBig(message, line)

    # -- values -------------------------------------------------------------------------------

    def _scalar(self, event: yaml.ScalarEvent) -> None:
        line = _line(event)
        self._count(1, line)
        text = str(event.value)
        raw = self.strings.setdefault(text, text)
        tag = event.tag
        plain = bool(event.implicit[0]) and tag in (None, "!")
        null = tag == _NULL_TAG or (plain and raw in _PLAIN_NULLS)
        merge = tag == _MERGE_TAG or (plain and raw == _PLAIN_MERGE)
        value = None if null else raw
        if event.anchor is not None:
            self._define(str(event.anchor), _Anchored(value, 1, line, raw, merge), line)
        self._place(value, 1, line, raw, merge)

    def _alias(self, event: yaml.AliasEvent) -> None:
        anchor, line = str(event.anchor), _line(event)
        if anchor in self.open_anchors:
            raise YamlError("a YAML alias refers to itself", line)
        target = self.anchors.get(anchor)
        if target is None:
            raise YamlError(f"alias *{anchor} refers to no anchor: write &{anchor} on a value before", line)
        self.by_aliases += target.size
        self._count(target.size, line)
        self._place(target.value, target.size, line, target.key, target.merge)

    def _start(self, event: yaml.CollectionStartEvent) -> None:
        line = _line(event)
        self._count(1, line)
        value = LDict(line) if isinstance(event, yaml.MappingStartEvent) else LList(line)
        anchor = None if event.anchor is None else str(event.anchor)
        if anchor is not None:
            self._check_new_anchor(anchor, line)
            self.open_anchors[anchor] = line
        if self.stack:
            parent = self.stack[-1]
            if isinstance(parent.value, LDict) and parent.key is None and not parent.merge:
                raise YamlError("mapping keys must be plain names", line)
        if len(self.stack) >= MAX_DEPTH:
            raise YamlTooBig(f"values nest more than {MAX_DEPTH} deep, more than a schedule can need", line)
        self.stack.append(_Open(value, anchor))

    def _end(self, event: yaml.CollectionEndEvent) -> None:
        done = self.stack.pop()
        if done.anchor is not None:
            del self.open_anchors[done.anchor]
            self.anchors[done.anchor] = _Anchored(done.value, done.size, done.value.line, None)
        if self.stack:
            self._place(done.value, done.size, done.value.line, None, False)
        else:
            self.root = done.value

    def _define(self, anchor: str, target: _Anchored, line: int) -> None:
        self._check_new_anchor(anchor, line)
        self.anchors[anchor] = target

    def _check_new_anchor(self, anchor: str, line: int) -> None:
        first = self.open_anchors.get(anchor) or (self.anchors[anchor].line if anchor in self.anchors else 0)
        if first:
            raise YamlError(f"anchor &{anchor} is defined twice (first on line {first})", line)

    # -- placing a finished value in its parent -----------------------------------------------

    def _place(self, value: object, size: int, line: int, key: str | None, merge: bool) -> None:
        """Put a finished value where it belongs: the root, a list entry, a mapping's key or value.

        `size` is the value's expanded size. It was added to the document's total as its events came
        (or, for an alias, in one step), so here it only grows the parent's, for the parent's anchor.
        """
        if not self.stack:
            self.root = value
            return
        parent = self.stack[-1]
        parent.size += size
        container = parent.value
        if isinstance(container, LList):
            container.add(value, line)
            return
        if parent.key is None and not parent.merge:
            if key is None:
                raise YamlError("mapping keys must be plain names", line)
            if merge:
                parent.merge = True
            else:
                parent.key = key
            parent.key_line = line
            return
        if parent.merge:
            parent.merge = False
            self._merge(parent, value)
            return
        assert parent.key is not None
        self._set(parent, parent.key, value, parent.key_line)
        parent.key = None

    def _set(self, parent: _Open, key: str, value: object, key_line: int) -> None:
        mapping = parent.value
        assert isinstance(mapping, LDict)
        if key in mapping:
            if parent.merged is not None and key in parent.merged:
                parent.merged.discard(key)  # written here: it overrides what a merge gave
            else:
                self.duplicates.append(Duplicate(key, key_line, mapping.line_of(key)))
        mapping.put(key, value, key_line)

    def _merge(self, parent: _Open, merged: object) -> None:
        """`<<: *base` (or a list of them): keys the mapping does not have yet, earlier sources first.

        Keys written in the mapping win over merged ones wherever they stand, as YAML's merge says.
        """
        mapping = parent.value
        assert isinstance(mapping, LDict)
        sources = merged if isinstance(merged, list) else [merged]
        for source in sources:
            if not isinstance(source, LDict):
                continue
            for key, value in source.items():
                if key not in mapping:
                    mapping.put(key, value, source.line_of(key))
                    if parent.merged is None:
                        parent.merged = set()
                    parent.merged.add(key)
