"""Box-drawing diagrams for ``rnncli explain``: the LSTM and GRU cells, an unrolled network.

Each diagram is a list of lines, at most 78 columns wide, printed without wrapping.
The cells follow PyTorch's equations (the GRU in ``nn.GRU``'s form: z near 1 keeps
the old state, r applied after the recurrent product).  No torch here.
"""

from __future__ import annotations

from typing import Any

from rnncli.knowledge.explain_schema import section

UNROLLED = """\
         y_1           y_2           y_3                 y_T
          ▲             ▲             ▲                   ▲
       ┌──┴───┐      ┌──┴───┐      ┌──┴───┐            ┌──┴───┐
 h_0 ─►│ cell │─h_1─►│ cell │─h_2─►│ cell │─h_3─► ··· ►│ cell │─► h_T = h_n
       └──▲───┘      └──▲───┘      └──▲───┘            └──▲───┘
          │             │             │                   │
         x_1           x_2           x_3                 x_T

 One cell with the SAME weights (W_ih, W_hh, b_ih, b_hh) at every step: the
 network is the cell unrolled over time. Training runs backward through every
 arrow, right to left, once per step: backpropagation through time (BPTT)."""

LSTM_CELL = """\
 c_{t-1} ────►(×)───────────────────►(+)────────────────────┬───────────► c_t
               ▲                      ▲                     │
               │ f                    │ i ⊙ g              tanh
               │              i─────►(×)◄── g               ▼
               │              ▲             ▲       o ────►(×)───────┬──► h_t
               │              │             │       ▲                │
        ┌──────┴──────────────┴─────────────┴───────┴──────┐         ▼
        │   f = σ(·)       i = σ(·)   g = tanh(·) o = σ(·) │     (up, and
        └────────────────────────┬─────────────────────────┘     to t+1)
 h_{t-1}, x_t ───────────────────┘

 (·) = W_i· x_t + b_i· + W_h· h_{t-1} + b_h·, each gate with its own rows of
 W_ih and W_hh. The cell state c only meets (×) f and (+) i ⊙ g: no weight
 matrix on its path. h_t = o ⊙ tanh(c_t) is what the layer shows."""

GRU_CELL = """\
 x_t ─────┬─────────────────────────────────────┐
          │                                     ▼
 h_{t-1} ─┼──┬──────────────┬──────────►┌────────────────────────────────┐
          │  │ ┌──────────┐ │   r       │ n = tanh(W_in x_t + b_in       │
          ├──┼►│ r = σ(·) │─┼──────────►│    + r ⊙ (W_hn h_{t-1} + b_hn))│
          │  │ └──────────┘ │           └───────────────┬────────────────┘
          │  │ ┌──────────┐ │   z                       │ n
          └──┴►│ z = σ(·) │─┼─────────┐                 │
               └──────────┘ │         ▼                 ▼
                            └─► h_t = z ⊙ h_{t-1} + (1 - z) ⊙ n ──────► h_t

 One state, h, no separate cell. nn.GRU's z keeps: z near 1 leaves h_{t-1} as
 it was. r decides how much of the recurrent term W_hn h_{t-1} + b_hn reaches
 n. (·) = W_i· x_t + b_i· + W_h· h_{t-1} + b_h· for r and for z."""

PEEPHOLE_CELL = """\
 c_{t-1} ──┬──►(×)──────────────►(+)───────────┬──────────────────────► c_t
           │    ▲ f               ▲ i ⊙ g      │
           │    │                 │            ├──► tanh ──►(×)───────► h_t
           │    │                 │            │             ▲ o
           │  ┌─┴─────────────────┴───────┐  ┌─┴─────────────┴────────┐
           └─►│ i = σ(· + w_ci ⊙ c_{t-1}) │  │ o = σ(· + w_co ⊙ c_t)  │
              │ f = σ(· + w_cf ⊙ c_{t-1}) │  └────────────▲───────────┘
              │ g = tanh(·)               │               │
              └─────────────▲─────────────┘               │
 h_{t-1}, x_t ──────────────┴─────────────────────────────┘

 (·) = W_i· x_t + b_i· + W_h· h_{t-1} + b_h·, as in the LSTM. The peepholes
 w_ci, w_cf, w_co (3H numbers per layer) let the gates read the cell itself,
 unit by unit: i and f see c_{t-1}, o sees the new c_t."""

DIAGRAMS: dict[str, tuple[str, str]] = {
    "rnn": ("An RNN unrolled over time", UNROLLED),
    "lstm": ("The LSTM cell", LSTM_CELL),
    "gru": ("The GRU cell (nn.GRU's form)", GRU_CELL),
    "peephole": ("The peephole LSTM cell", PEEPHOLE_CELL),
}


def diagram_section(arch: str) -> dict[str, Any]:
    """The ``diagram`` section of a topic: lines printed as they are, never wrapped."""
    title, art = DIAGRAMS[arch]
    return section("diagram", "diagram", f"Diagram: {title}", ["torch-" + arch]
                   if arch != "peephole" else ["gers2000peephole"], lines=art.splitlines())
