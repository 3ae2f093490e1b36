"""How ``rnncli gates`` reads one step in words: the registered readings and the generic one.

A reading takes the trace ``{name: (T, H)}``, a step t (0-based) and the units shown, and
returns events ``(salience, (unit, kind), text)``: what each unit decisively does. An
architecture names its reading in the registry (``ArchSpec.reading``); one that names none
gets :func:`generic_events`, which reads every sigmoid gate from its trace key's ``shut``
and ``opened`` phrases (``rnncli.archs.TraceKey``). A gate below :data:`LOW` counts as
shut, above :data:`HIGH` as open (the lesson's "near 0" / "near 1").

Conventions follow PyTorch (torch-lstm, torch-gru): LSTM c_t = f ⊙ c_{t-1} + i ⊙ g,
h_t = o ⊙ tanh(c_t); GRU h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}, so z near 1 KEEPS the old state.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnncli import archs

LOW, HIGH = 0.2, 0.8  # a sigmoid gate below LOW is "shut", above HIGH "open"

Event = tuple[float, tuple[int, str], str]  # (salience, (unit, kind), text)
Trace = dict[str, np.ndarray]
Reading = Callable[[Trace, int, list[int]], list[Event]]


def _per_unit(one: Callable[[Trace, int, int], list[Event]]) -> Reading:
    def reading(trace: Trace, t: int, units: list[int]) -> list[Event]:
        return [e for u in units for e in one(trace, t, u)]

    reading.__doc__ = one.__doc__
    return reading


def _lstm_unit(trace: Trace, t: int, u: int) -> list[Event]:
    """LSTM and peephole LSTM: forgets, writes, keeps, hides its cell."""
    f, i, g, o = (trace[k][t, u] for k in ("forget", "input", "candidate", "output"))
    c_prev = trace["cell"][t - 1, u] if t else 0.0
    ev: list[Event] = []
    if f < LOW and abs(c_prev) > 0.1:  # nothing to forget while c_(t-1) is ~0
        ev.append((1 - f, (u, "f"), f"unit {u} forgets: f = {f:.2f}"))
    if i > HIGH and abs(g) > 0.5:
        ev.append((i * abs(g), (u, "w"), f"unit {u} writes: i = {i:.2f}, g = {g:.2f}"))
    if f > HIGH and i < LOW:
        ev.append((f * (1 - i), (u, "k"), f"unit {u} keeps: f = {f:.2f}, i = {i:.2f}"))
    return ev + _hides(trace, t, u, o)


def _hides(trace: Trace, t: int, u: int, o: float) -> list[Event]:
    if o < LOW and abs(trace["cell"][t, u]) > 0.5:
        return [(1 - o, (u, "o"), f"unit {u} hides its cell: o = {o:.2f}")]
    return []


def _gru_unit(trace: Trace, t: int, u: int) -> list[Event]:
    """GRU: takes the new candidate (z shut), keeps its state (z open), ignores its past."""
    r, z, n = (trace[k][t, u] for k in ("reset", "update", "candidate"))
    h_prev = trace["hidden"][t - 1, u] if t else 0.0
    ev: list[Event] = []
    if z < LOW:
        ev.append((1 - z, (u, "z"), f"unit {u} takes the new n = {n:.2f}: z = {z:.2f}"))
    elif z > HIGH:
        ev.append((z - 0.1, (u, "k"), f"unit {u} keeps its state: z = {z:.2f}"))
    if r < LOW and abs(h_prev) > 0.1:
        ev.append((0.8 - r, (u, "r"), f"unit {u} ignores its past in n: r = {r:.2f}"))
    return ev


lstm_events = _per_unit(_lstm_unit)
gru_events = _per_unit(_gru_unit)


def rnn_events(trace: Trace, t: int, units: list[int]) -> list[Event]:
    """No gates: the one shown unit whose state moved most at step t."""
    h = trace["hidden"]
    ev = []
    for u in units:
        h_prev = h[t - 1, u] if t else 0.0
        ev.append((abs(h[t, u] - h_prev), (u, "m"),
                   f"unit {u} moves most: h {h_prev:.2f} -> {h[t, u]:.2f}"))
    return sorted(ev, key=lambda e: -e[0])[:1]


def _gate_events(key: archs.TraceKey, trace: Trace, t: int, u: int) -> list[Event]:
    v = float(trace[key.name][t, u])
    if v < LOW and key.shut:
        return [(1 - v, (u, key.letter), f"unit {u} {key.shut}: {key.letter} = {v:.2f}")]
    if v > HIGH and key.opened:
        return [(v, (u, key.letter), f"unit {u} {key.opened}: {key.letter} = {v:.2f}")]
    return []


def generic_events(spec: archs.ArchSpec) -> Reading:
    """The reading of any architecture from its sigmoid gates' ``shut``/``opened`` phrases
    (a gate without them says nothing; an architecture without sigmoid gates reads as the
    RNN: the unit that moved most)."""
    keys = [k for k in spec.trace if k.sigmoid and (k.shut or k.opened)]
    if not keys:
        return rnn_events

    def reading(trace: Trace, t: int, units: list[int]) -> list[Event]:
        return [e for u in units for k in keys for e in _gate_events(k, trace, t, u)]

    return reading


def for_arch(arch: str) -> Reading:
    """The reading ``gates`` uses for an architecture: its registered one, else generic."""
    spec = archs.get(arch)
    return archs.resolve(spec.reading) if spec.reading else generic_events(spec)

