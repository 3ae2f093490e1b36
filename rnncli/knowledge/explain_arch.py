"""``rnncli explain <arch>`` for an architecture with no hand-written topic: built from its
registry entry alone (``rnncli.archs``): the equations, what each gate's values mean in
``gates`` (``rnncli.knowledge.readings``), the exact parameter count and the sources.
No torch here.
"""

from __future__ import annotations

from typing import Any

from rnncli import archs, formulas
from rnncli.knowledge.explain_schema import equations, gate, section, text, topic
from rnncli.knowledge.readings import HIGH, LOW

EXAMPLE_I, EXAMPLE_H = 10, 20


def _gates(spec: archs.ArchSpec) -> dict[str, Any]:
    items = []
    for k in spec.sigmoid_gates:
        said = [f"below {LOW} it {k.shut}" if k.shut else "",
                f"above {HIGH} it {k.opened}" if k.opened else ""]
        items.append(gate(k.letter, k.name, "0 .. 1 (σ)",
                          "; ".join(s for s in said if s) or "read with the other gates",
                          "", f"rnncli gates --arch {spec.name} shows it step by step",
                          [spec.definition]))
    return section("gates", "gates", "Gates", [spec.definition], gates=items)


def _parameters(spec: archs.ArchSpec) -> dict[str, Any]:
    i, h = EXAMPLE_I, EXAMPLE_H
    count = formulas.param_count(spec.name, i, h)
    return text("parameters", "Parameters (exact)", [
        f"Per layer: {formulas.param_formula(spec.name)} ({spec.gate_blocks} gate "
        f"block(s) {', '.join(spec.gate_rows)} in weight_ih and weight_hh, two bias vectors "
        f"each as PyTorch's cells keep them). At I={i}, H={h}: {count:,}.",
        "`rnncli compare` shows it beside the other architectures.",
    ], [spec.definition])


def arch_topic(arch: str) -> dict[str, Any]:
    """The topic of a registered architecture, from its spec."""
    spec = archs.get(arch)
    eqs = equations("equations", "Equations (one step, as rnncli computes it)",
                    [(e, "") for e in spec.equations], spec.legend, list(spec.sources))
    state = " and ".join(spec.states)
    return topic(spec.name, spec.title,
                 f"The {spec.title}: {len(spec.sigmoid_gates)} sigmoid gate(s), state "
                 f"{state}; the reference step and BPTT are in rnncli/scratch/reference.py.",
                 [eqs, _gates(spec), _parameters(spec)], list(spec.sources))
