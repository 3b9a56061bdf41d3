"""src/protocol/schema.ts mirrors lenslab.export.schema (the source of truth) field by field."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from lenslab.export import schema

TS_SCHEMA = Path(__file__).resolve().parents[2] / "src" / "protocol" / "schema.ts"

INTERFACE = re.compile(r"export interface (\w+)\s*\{(.*?)\n\}", re.S)
FIELD = re.compile(r"^\s*(\w+)\??\s*:", re.M)
STRING_UNION = re.compile(r"export type (\w+)\s*=\s*([^;]+);")
VERSION = re.compile(r"export const SCHEMA_VERSION\s*=\s*(\d+)\s*;")


def ts_interfaces() -> dict[str, list[str]]:
    text = TS_SCHEMA.read_text()
    return {name: FIELD.findall(body) for name, body in INTERFACE.findall(text)}


def py_typeddicts() -> dict[str, list[str]]:
    return {
        name: list(obj.__annotations__)
        for name, obj in vars(schema).items()
        if typing.is_typeddict(obj) and obj.__module__ == schema.__name__
    }


def test_typescript_mirror_exists_and_parses() -> None:
    assert ts_interfaces(), f"no interfaces found in {TS_SCHEMA}"


@pytest.mark.parametrize("name", sorted(py_typeddicts()))
def test_each_typeddict_has_an_interface_with_the_same_fields_in_order(name: str) -> None:
    interfaces = ts_interfaces()
    assert name in interfaces, f"{name} has no `export interface {name}` in {TS_SCHEMA.name}"
    assert interfaces[name] == py_typeddicts()[name]


def test_every_wire_interface_comes_from_python() -> None:
    extra = set(ts_interfaces()) - set(py_typeddicts())
    assert not extra, f"interfaces in schema.ts with no TypedDict in schema.py: {sorted(extra)}"


def test_schema_versions_are_equal() -> None:
    match = VERSION.search(TS_SCHEMA.read_text())
    assert match, "schema.ts has no `export const SCHEMA_VERSION = N;`"
    assert int(match.group(1)) == schema.SCHEMA_VERSION


def test_string_literal_aliases_have_the_same_values() -> None:
    ts_aliases = {
        name: set(re.findall(r"'([^']*)'", body))
        for name, body in STRING_UNION.findall(TS_SCHEMA.read_text())
    }
    py_aliases = {
        name: set(typing.get_args(obj))
        for name, obj in vars(schema).items()
        if typing.get_origin(obj) is typing.Literal
    }
    for name, values in py_aliases.items():
        assert ts_aliases.get(name) == values, f"type {name}: ts {ts_aliases.get(name)} py {values}"
