"""Every architecture in the registry, whatever it is: it traces in ``gates``, has a column
in ``compare``, a topic in ``explain``, and its reference BPTT is the derivative of its
reference step (central finite differences in float64: every parameter, the input, the
initial states and the total dL/dh_t of every step). No list of architectures here: a new
registry entry is walked as soon as it exists.
"""

from __future__ import annotations

import dataclasses
import io
import itertools

import numpy as np
import pytest
from rich.cells import cell_len
from rich.console import Console

from rnncli import archs
from rnncli.knowledge import comparison
from rnncli.knowledge.sources import SOURCES
from rnncli.render import compare as render_compare

ARCHS = archs.names()
T, B, I, H = 4, 2, 3, 3
EPS = 1e-6


def _option_sets(spec: archs.ArchSpec) -> list[dict[str, str]]:
    """Every combination of the architecture's option choices."""
    keys = list(spec.options)
    return [dict(zip(keys, combo, strict=True))
            for combo in itertools.product(*(spec.options[k] for k in keys))]


CASES = [(a, o) for a in ARCHS for o in _option_sets(archs.get(a))]


def _layer(spec: archs.ArchSpec, rng) -> dict[str, np.ndarray]:
    g = spec.gate_blocks * H
    p = {"weight_ih": (g, I), "weight_hh": (g, H), "bias_ih": (g,), "bias_hh": (g,)}
    p |= {name: (H,) for name in spec.extra_params}
    return {k: rng.uniform(-0.8, 0.8, shape) for k, shape in p.items()}


def _loss(spec, opts, p, xs, state0, dys, d_last, bump=None):
    """L = Σ_t dys[t]·h_t + Σ_j d_last[j]·state_T[j]; ``bump`` = (t, unit, b, ε) adds ε to
    h_t (as output and as carried state), which gives the total dL/dh_t."""
    step = archs.resolve(spec.step)
    state, loss = tuple(state0), 0.0
    for t in range(len(xs)):
        s = dict(step(p, xs[t], *state, **opts))
        if bump is not None and bump[0] == t:
            s["hidden"] = s["hidden"].copy()
            s["hidden"][bump[2], bump[1]] += bump[3]
        loss += float((dys[t] * s["hidden"]).sum())
        state = tuple(s[k] for k in spec.state_keys)
    return loss + sum(float((d * s).sum()) for d, s in zip(d_last, state, strict=True))


def _central(f, arr: np.ndarray) -> np.ndarray:
    """dL/d(arr) by central differences, perturbing ``arr`` in place."""
    out = np.zeros_like(arr)
    for idx in np.ndindex(arr.shape):
        keep = arr[idx]
        arr[idx] = keep + EPS
        up = f()
        arr[idx] = keep - EPS
        down = f()
        arr[idx] = keep
        out[idx] = (up - down) / (2 * EPS)
    return out


@pytest.mark.parametrize("arch,opts", CASES, ids=[f"{a}-{'-'.join(o.values()) or 'default'}"
                                                 for a, o in CASES])
def test_reference_bptt_is_the_derivative_of_the_step(arch, opts):
    spec = archs.get(arch)
    rng = np.random.default_rng(7)
    p = _layer(spec, rng)
    xs = rng.standard_normal((T, B, I))
    state0 = [rng.standard_normal((B, H)) * 0.5 for _ in spec.states]
    dys = rng.standard_normal((T, B, H))
    d_last = [rng.standard_normal((B, H)) for _ in spec.states]
    step = archs.resolve(spec.step)
    steps, state = [], tuple(state0)
    for t in range(T):
        steps.append(step(p, xs[t], *state, **opts))
        state = tuple(steps[-1][k] for k in spec.state_keys)
    assert set(steps[0]) == {k.name for k in spec.trace}  # the step gives every trace key
    grads, dxs, d0, dhs = archs.resolve(spec.bptt)(p, xs, *state0, steps, dys, *d_last, **opts)

    def loss(bump=None):
        return _loss(spec, opts, p, xs, state0, dys, d_last, bump)

    assert set(grads) == set(p)
    for name in p:
        np.testing.assert_allclose(grads[name], _central(loss, p[name]), rtol=1e-6, atol=1e-7,
                                   err_msg=name)
    np.testing.assert_allclose(dxs, _central(loss, xs), rtol=1e-6, atol=1e-7)
    for j, s0 in enumerate(state0):
        np.testing.assert_allclose(d0[j], _central(loss, s0), rtol=1e-6, atol=1e-7)
    for t, u, b in itertools.product(range(T), range(H), range(B)):
        fd = (loss((t, u, b, EPS)) - loss((t, u, b, -EPS))) / (2 * EPS)
        assert dhs[t, b, u] == pytest.approx(fd, rel=1e-6, abs=1e-7), (t, u, b)


@pytest.mark.parametrize("arch", ARCHS)
def test_gates_traces_every_gate_of_every_architecture(cli, arch):
    spec = archs.get(arch)
    d = cli.json("gates", "--arch", arch, "--init", "random", "--seq", "1,0,1", "--json")
    assert d["arch"] == spec.name and len(d["steps"]) == 3
    for step in d["steps"]:
        assert list(step["gates"]) == list(spec.gates)
        assert len(step["hidden"]) == 3 and all(np.isfinite(step["hidden"]))
        assert ("cell" in step) == spec.has_cell_state
    out = cli("gates", "--arch", arch, "--init", "random", "--seq", "1,0,1")
    assert out.exit_code == 0 and spec.title in out.stdout
    assert all(cell_len(line) <= 80 for line in out.stdout.splitlines())


@pytest.mark.parametrize("arch", ARCHS)
def test_compare_has_a_column_with_equations_and_a_cited_definition(cli, arch):
    spec = archs.get(arch)
    d = cli.json("compare", "--json")
    col = d["archs"][arch]
    assert col["name"] == spec.title and col["equations"] == list(spec.equations)
    assert col["params"] > 0 and col["equation_source"] in d["sources"]
    assert col["weight_blocks"] == spec.gate_blocks


@pytest.mark.parametrize("arch", ARCHS)
def test_explain_has_a_topic_with_its_equations_and_code(cli, arch):
    spec = archs.get(arch)
    d = cli.json("explain", arch, "--code", "--json")
    topic = d["topics"][0]
    assert topic["name"] == spec.name
    kinds = {s["id"]: s for s in topic["sections"]}
    assert "equations" in kinds and kinds["code"]["functions"] == [spec.step.split(":")[1]]
    assert spec.definition in kinds["code"]["sources"]
    assert set(d["sources"]) <= set(SOURCES) and spec.definition in d["sources"]
    assert cli("explain", arch).exit_code == 0


def test_every_spec_cites_known_sources_and_names_resolvable_functions():
    for spec in archs.SPECS.values():
        assert spec.sources and set(spec.sources) <= set(SOURCES), spec.name
        assert callable(archs.resolve(spec.step)) and callable(archs.resolve(spec.bptt))
        assert not spec.reading or callable(archs.resolve(spec.reading))
        assert spec.equations and len(spec.gate_rows) == spec.gate_blocks


def test_compare_fits_80_columns_with_six_architectures(monkeypatch):
    """The figures table stays within 80 columns with a sixth (long-named) architecture."""
    specs = dict(archs.SPECS)
    while len(specs) < 6:
        extra = dataclasses.replace(archs.get("peephole"), name=f"wide{len(specs)}",
                                    title="Peephole LSTM", aliases=())
        specs[extra.name] = extra
    monkeypatch.setattr(archs, "SPECS", specs)
    data = comparison.build(input_size=512, hidden_size=2048, seq_len=1000, batch=256)
    assert len(data["archs"]) >= 6
    buf = io.StringIO()
    render_compare.render(data, Console(file=buf, width=80, no_color=True))
    lines = buf.getvalue().splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    table = "\n".join(lines[:len(specs) + 6])
    assert "…" not in table  # no number and no heading cut
    for f in data["archs"].values():  # every architecture's row, its numbers whole
        assert f"{f['params']:,}" in table and f["name"] in table
