"""Outputs held by objects — dataclasses, ``ModelOutput``s, a ``transformers`` cache — are found
and recorded, with paths that say where each one sits."""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

import lenslab
from lenslab import lens


class Record:
    """A plain object, as caches are: tensors in public attributes, a private one kept out."""

    def __init__(self, keys: torch.Tensor, values: torch.Tensor) -> None:
        self.keys = keys
        self.values = values
        self._scratch = keys * 0


@dataclasses.dataclass
class Out:
    logits: torch.Tensor
    cache: list[Record]


class Holder(nn.Module):
    def forward(self, x: torch.Tensor) -> Out:
        cache = [Record(x + i, x * i) for i in range(2)]
        cache.append(cache[0])  # the same object twice: its tensors once
        return Out(x.sum(dim=1), cache)


def test_tensors_in_plain_objects_are_outputs() -> None:
    h = lens(Holder(), torch.randn(2, 3))
    assert [o.address for o in h.outputs] == [
        "logits", "cache.0.keys", "cache.0.values", "cache.1.keys", "cache.1.values",
    ]  # fmt: skip
    assert torch.equal(h["output_2"].activation, h["add_1_1"].activation)


def test_a_llama_kv_cache_is_recorded() -> None:
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
    )  # fmt: skip
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).eval()  # use_cache=True by default
    ids = torch.randint(0, 64, (1, 8))
    h = lens(model, ids)
    addresses = [o.address for o in h.outputs]
    assert len(addresses) == 5 and addresses[0] == "logits"  # logits + keys/values of 2 layers
    assert all(a.startswith(("cache.", "past_key_values.")) for a in addresses[1:])
    report = lenslab.validate(model, ids)
    assert report.checks["outputs"].passed == 5 and not report.checks["outputs"].failed
