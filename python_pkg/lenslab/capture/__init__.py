"""Capture: a TorchFunctionMode and global module hooks record one forward pass."""

from .records import BUFFER, INPUT, OP, OUTPUT, ROLE_NAMES, ModuleCall, ModuleEntry, OpRecord
from .session import run_forward
from .store import ActivationStore

__all__ = [
    "BUFFER",
    "INPUT",
    "OP",
    "OUTPUT",
    "ROLE_NAMES",
    "ActivationStore",
    "ModuleCall",
    "ModuleEntry",
    "OpRecord",
    "run_forward",
]
