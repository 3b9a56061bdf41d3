"""Type checks for JSON read from a bundle: each failure is a ``LensError`` naming the field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import LensError


class BundleError(LensError):
    """A bundle that cannot be read: truncated, corrupted, tampered with, or not a bundle."""


class Where:
    """A position in the bundle's JSON (``graph.trace.ops[3][7]``), and checks against it."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def at(self, key: str | int) -> Where:
        return Where(f"{self.path}[{key}]" if isinstance(key, int) else f"{self.path}.{key}")

    def wrong(self, expected: str) -> BundleError:
        return BundleError(f"{self.path} should be {expected}")

    def _kind(self, value: Any, kind: type | tuple[type, ...], name: str) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            got = type(value).__name__
            raise BundleError(f"{self.path} should be {name}, got {got}")
        return value

    def integer(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self.wrong("an integer")
        result: int = self._kind(value, int, "an integer")
        return result

    def number(self, value: Any) -> float:
        if isinstance(value, bool):
            raise self.wrong("a number")
        return float(self._kind(value, (int, float), "a number"))

    def boolean(self, value: Any) -> bool:
        result: bool = self._kind(value, bool, "true or false")
        return result

    def string(self, value: Any) -> str:
        result: str = self._kind(value, str, "a string")
        return result

    def array(self, value: Any) -> list[Any]:
        result: list[Any] = self._kind(value, list, "a list")
        return result

    def obj(self, value: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._kind(value, dict, "an object")
        return result

    def record(self, value: Any, size: int) -> list[Any]:
        items = self.array(value)
        if len(items) != size:
            raise self.wrong(f"a list of {size} fields, got {len(items)}")
        return items

    def ints(self, value: Any) -> list[int]:
        return [self.at(i).integer(v) for i, v in enumerate(self.array(value))]

    def strs(self, value: Any) -> list[str]:
        return [self.at(i).string(v) for i, v in enumerate(self.array(value))]

    def indexes(self, value: Any, count: int) -> list[int]:
        """Op positions: integers in ``[0, count)``."""
        out = self.ints(value)
        if any(not 0 <= i < count for i in out):
            raise self.wrong(f"op positions below {count}")
        return out

    def choice(self, value: Any, allowed: Sequence[str]) -> str:
        text = self.string(value)
        if text not in allowed:
            raise self.wrong(f"one of {', '.join(allowed)}")
        return text

    def field(self, obj: dict[str, Any], key: str) -> Any:
        if key not in obj:
            raise BundleError(f"{self.path} has no field {key!r}")
        return obj[key]
