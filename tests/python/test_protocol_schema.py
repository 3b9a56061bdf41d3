"""The data channel's message types come from one schema (lenslab.widget.data.protocol):
src/protocol/messages.gen.ts is what scripts/gen_protocol.py renders from it, byte for byte."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from lenslab.widget.data import PROTOCOL_VERSION

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_protocol", ROOT / "scripts" / "gen_protocol.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_typescript_message_types_are_generated_from_the_python_schema() -> None:
    generated = (ROOT / "src" / "protocol" / "messages.gen.ts").read_text(encoding="utf-8")
    assert generated == _generator().render(), "run .venv/bin/python scripts/gen_protocol.py"


def test_generated_types_carry_the_version_and_optional_fields() -> None:
    text = _generator().render()
    assert f"export const PROTOCOL_VERSION = {PROTOCOL_VERSION};" in text
    reply = re.search(r"export interface ReplyMessage \{(.*?)\n\}", text, re.S)
    assert reply is not None
    assert "  version: number;" in reply.group(1) and "  error?: ErrorBody;" in reply.group(1)
    assert "'version_mismatch'" in text  # the kernel's error codes, from lenslab.errors


def test_the_standalone_fake_kernel_speaks_the_same_version() -> None:
    fake = (ROOT / "ui-tests" / "standalone" / "fake-kernel.mjs").read_text(encoding="utf-8")
    assert f"const PROTOCOL_VERSION = {PROTOCOL_VERSION};" in fake
