"""Outputs of one returned object or container (a KV cache) are grouped for the graph
(``transforms/outputs.py``, ``WireGraph.output_groups``); the record keeps every output."""

from __future__ import annotations

import torch
import transformers
from torch import nn

from lenslab import lens
from lenslab.export.compact import compact
from lenslab.export.wire import to_wire
from lenslab.transforms.outputs import output_groups


def llama(layers: int) -> tuple[nn.Module, torch.Tensor]:
    config = transformers.LlamaConfig(
        vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=layers,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=64,
    )  # fmt: skip
    torch.manual_seed(0)
    return transformers.LlamaForCausalLM(config).eval(), torch.randint(0, 64, (1, 8))


def test_a_llama_kv_cache_is_one_group_and_every_output_stays() -> None:
    model, ids = llama(4)
    h = lens(model, ids)  # use_cache=True by default: logits + a key and a value per layer
    graph = to_wire(h)
    groups = graph.get("output_groups", [])
    assert len(groups) == 1 and len(groups[0]["ops"]) == 8
    name = groups[0]["name"]
    assert name in ("cache", "past_key_values")
    assert all(p.startswith(f"{name}.") for p in groups[0]["paths"])
    outputs = [i for i, op in enumerate(graph["ops"]) if op["role"] == "output"]
    assert len(outputs) == 9 and groups[0]["ops"] == outputs[1:]  # logits stays apart
    assert [o.address for o in h.outputs][1:] == groups[0]["paths"]  # the record: unchanged
    assert compact(graph)["output_groups"] == groups


def test_gpt2_with_hidden_states_groups_the_cache_and_the_hidden_states() -> None:
    config = transformers.GPT2Config(n_layer=3, n_embd=32, n_head=2, n_positions=32, vocab_size=64)
    model = transformers.GPT2LMHeadModel(config).eval()
    h = lens(model, torch.randint(0, 64, (1, 8)), kwargs={"output_hidden_states": True})
    sizes = {g.name: len(g.ops) for g in output_groups(h._trace)}
    assert sizes.pop("hidden_states") == 4  # embeddings + 3 blocks
    assert list(sizes.values()) == [6]  # the cache: a key and a value per block


class Pair(nn.Module):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return x + 1, x * 2, x - 3, (x.sum(), x.mean())


def test_outputs_at_the_top_and_small_containers_stay_apart() -> None:
    h = lens(Pair(), torch.randn(2, 3))
    assert len(h.outputs) == 5
    assert output_groups(h._trace) == []  # "0", "1", "2" at the top; "3.0", "3.1": two only
    assert "output_groups" not in to_wire(h)
    assert [g.ops for g in output_groups(h._trace, min_group=2)] == [(h.outputs[3].index, h.outputs[4].index)]


def test_a_page_short_of_budget_keeps_grouped_outputs_for_last() -> None:
    from lenslab.export.preview_order import preview_order

    model, ids = llama(4)
    h = lens(model, ids)
    order = preview_order(h._trace)
    assert sorted(order) == list(range(len(h)))
    cache = output_groups(h._trace)[0].ops
    logits = h.outputs[0].index
    # The logits and the group's first two outputs come with the model; the other six come last
    # (each is the same tensor as an op inside its layer, and the group is drawn closed).
    assert order.index(logits) < order.index(cache[1]) < len(h) - 6
    assert order[-6:] == list(cache[2:])
