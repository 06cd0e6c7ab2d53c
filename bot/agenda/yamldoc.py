"""YAML read into plain values that remember their line numbers.

PyYAML's constructor forgets where things were, and YAML 1.1 resolves `14:00` to the integer 840
and `no` to False. Schedules are read from the composed node tree instead: scalars stay the
strings the author wrote (nulls become None), and mappings and sequences carry the line of every
entry, so each problem can name its line.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

_NULL_TAG = "tag:yaml.org,2002:null"
# libyaml's parser when PyYAML was built with it (ten times faster), else the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class LDict(dict[str, object]):
    """A mapping that knows the line of itself and of each key (1-based)."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LList(list[object]):
    """A sequence that knows the line of itself and of each entry (1-based)."""

    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def empty_list(line: int = 0) -> LList:
    empty = LList()
    empty.line = line
    empty.item_lines = []
    return empty


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


def load_located(text: str) -> tuple[object, list[Duplicate]]:
    """Parse one YAML document into LDict / LList / str / None values, and report duplicate keys."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise YamlError(message or "not valid YAML", line) from exc
    except yaml.YAMLError as exc:
        raise YamlError(str(exc), None) from exc
    duplicates: list[Duplicate] = []
    if node is None:
        return None, duplicates
    return _convert(node, duplicates, set()), duplicates


def _convert(node: yaml.Node, duplicates: list[Duplicate], active: set[int]) -> object:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _NULL_TAG:
            return None
        return str(node.value)
    if id(node) in active:
        raise YamlError("a YAML alias refers to itself", line)
    active.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            seq = LList(_convert(item, duplicates, active) for item in node.value)
            seq.line = line
            seq.item_lines = [item.start_mark.line + 1 for item in node.value]
            return seq
        if isinstance(node, yaml.MappingNode):
            return _convert_mapping(node, duplicates, active)
    finally:
        active.discard(id(node))
    raise YamlError(f"unsupported YAML node {node.tag}", line)


def _convert_mapping(node: yaml.MappingNode, duplicates: list[Duplicate], active: set[int]) -> LDict:
    mapping = LDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if key_node.tag == _MERGE_TAG:
            merged = _convert(value_node, duplicates, active)
            sources = merged if isinstance(merged, list) else [merged]
            for source in sources:
                if isinstance(source, LDict):
                    for k, v in source.items():
                        if k not in mapping:
                            mapping[k] = v
                            mapping.key_lines[k] = source.line_of(k)
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            raise YamlError("mapping keys must be plain names", key_line)
        key = str(key_node.value)
        if key in mapping:
            duplicates.append(Duplicate(key, key_line, mapping.key_lines[key]))
        mapping[key] = _convert(value_node, duplicates, active)
        mapping.key_lines[key] = key_line
    return mapping
