"""Time rnncli.scratch (NumPy) against torch.nn.RNN/GRU/LSTM on this machine, in one run.

    python benchmarks/bench_scratch.py                      # T=200 B=32 I=64 H=128 float32
    python benchmarks/bench_scratch.py --threads 1 --json   # machine-readable, one thread

For each architecture it times, with torch.utils.benchmark (warm-up calls apart, then
``blocked_autorange`` repeated over ``--rounds`` interleaved rounds so that load from other
processes hits every case alike; median and IQR of all blocks):

- NumPy forward vs ``torch.nn.X`` forward under ``torch.no_grad()``;
- NumPy forward + backward vs torch forward + backward, loss = sum(output * G) with a fixed
  random G, gradients for every parameter AND the input (the NumPy backward computes both);
- the lesson's loop (one sample at a time, one step at a time, [x; h] column vectors, four
  separate gate matrices): timed on ``--lesson-samples`` sequences and scaled to the batch.

Before timing, the NumPy cell is checked against torch on the same data. The thread count
(``--threads``) is applied to torch and to NumPy's BLAS (set before NumPy is imported).
Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import warnings

SCHEMA = 1
TARGETS = "NumPy LSTM forward <= 2x torch no_grad forward; NumPy fwd+bwd <= torch fwd+bwd"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seq-len", "-T", type=int, default=200)
    p.add_argument("--batch", "-B", type=int, default=32)
    p.add_argument("--input-size", "-I", type=int, default=64)
    p.add_argument("--hidden-size", "-H", type=int, default=128)
    p.add_argument("--arch", default="rnn,gru,lstm", help="comma list of rnn, gru, lstm")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads for torch and NumPy's BLAS (default 1: on a shared machine more threads "
        "measure the contention of busy-waiting thread pools, not the code)",
    )
    p.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds")
    p.add_argument("--min-run-time", type=float, default=0.3, help="seconds per case per round")
    p.add_argument("--lesson-samples", type=int, default=2, help="sequences the lesson loop runs")
    p.add_argument("--json", action="store_true", help="print only JSON")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table (README)")
    p.add_argument("--from-json", metavar="FILE", help="render a saved --json report, no timing")
    args = p.parse_args(argv)
    archs = [a.strip().lower() for a in args.arch.split(",") if a.strip()]
    bad = [a for a in archs if a not in ("rnn", "gru", "lstm")]
    sizes = (args.seq_len, args.batch, args.input_size, args.hidden_size, args.threads)
    if bad or not archs or min(sizes) < 1 or args.rounds < 1 or args.lesson_samples < 1:
        p.error("--arch takes rnn, gru, lstm; sizes, --threads, --rounds must be >= 1")
    args.archs = archs
    return args


# --------------------------------------------------------------------------- the lesson's loop
class LessonLoop:
    """The lesson's per-sample, per-step forward, re-implemented faithfully (LSTM and GRU).

    Gates from separate (H, I+H) matrices applied to the column vector [x_t; h_{t-1}], a
    Python loop over steps, one sequence at a time, gate dicts kept for every step. The lesson
    has no vanilla RNN class; "rnn" uses the same style with one tanh matrix.
    """

    def __init__(self, arch, cell, np):
        self.np, self.arch, self.H = np, arch, cell.hidden_size
        p = cell.params
        W = np.concatenate([p["weight_ih_l0"], p["weight_hh_l0"]], axis=1)  # acts on [x; h]
        b = (p["bias_ih_l0"] + p["bias_hh_l0"])[:, None]
        blocks = np.split(W, cell.gates), np.split(b, cell.gates)
        self.W = [np.ascontiguousarray(w) for w in blocks[0]]
        self.b = list(blocks[1])

    def sigmoid(self, x):
        return 1 / (1 + self.np.exp(-self.np.clip(x, -500, 500)))

    def tanh(self, x):
        return self.np.tanh(self.np.clip(x, -500, 500))

    def step(self, x_t, h, c):
        np, W, b = self.np, self.W, self.b
        combined = np.vstack([x_t, h])
        if self.arch == "lstm":  # PyTorch order i, f, g, o; the lesson's separate matrices
            f = self.sigmoid(np.dot(W[1], combined) + b[1])
            i = self.sigmoid(np.dot(W[0], combined) + b[0])
            g = self.tanh(np.dot(W[2], combined) + b[2])
            c = f * c + i * g
            o = self.sigmoid(np.dot(W[3], combined) + b[3])
            h = o * self.tanh(c)
            return h, c, {"forget": f, "input": i, "candidate": g, "output": o, "cell": c}
        if self.arch == "gru":  # the lesson's GRU: reset before the product (cho2014)
            r = self.sigmoid(np.dot(W[0], combined) + b[0])
            z = self.sigmoid(np.dot(W[1], combined) + b[1])
            combined_reset = np.vstack([x_t, r * h])
            n = self.tanh(np.dot(W[2], combined_reset) + b[2])
            h = (1 - z) * h + z * n
            return h, c, {"reset": r, "update": z, "candidate": n}
        h = self.tanh(np.dot(W[0], combined) + b[0])
        return h, c, {}

    def forward(self, sequence):
        h = self.np.zeros((self.H, 1), dtype=sequence.dtype)
        c = self.np.zeros((self.H, 1), dtype=sequence.dtype)
        outputs, all_gates = [], []
        for t in range(len(sequence)):
            h, c, gates = self.step(sequence[t].reshape(-1, 1), h, c)
            outputs.append(h.copy())
            all_gates.append(gates)
        return outputs, all_gates


# --------------------------------------------------------------------------- measurement
def machine(np, torch):
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # noqa: BLE001 - older NumPy has no dict mode
        blas = "unknown"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "numpy_blas": blas,
        "commit": commit,
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_1min_at_start": load,
    }


def check_equal(cell, module, x, g, np, torch, tol):
    """The NumPy numbers must be torch's numbers before their speed means anything."""
    out, _, _ = cell.forward(x)
    grads = cell.backward(g)
    xt = torch.from_numpy(x).requires_grad_()
    ref, _ = module(xt)
    params = list(module.parameters())
    dref = torch.autograd.grad((ref * torch.from_numpy(g)).sum(), [*params, xt])
    pairs = [(out, ref)] + list(zip(grads.params.values(), dref[:-1], strict=True))
    pairs.append((grads.input, dref[-1]))
    for a, b in pairs:
        b = b.detach().numpy()
        err = np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30)
        if err > tol:
            raise SystemExit(f"NumPy and torch disagree (relative error {err:.2e}); not timing")


def run(args):
    import numpy as np
    import torch
    from torch.utils.benchmark import Timer

    from rnncli.scratch import from_torch

    torch.set_num_threads(args.threads)
    T, B, I, H = args.seq_len, args.batch, args.input_size, args.hidden_size
    tdtype = getattr(torch, args.dtype)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, I)).astype(args.dtype)
    G = rng.standard_normal((T, B, H)).astype(args.dtype)
    xt, Gt = torch.from_numpy(x), torch.from_numpy(G)
    xg = xt.clone().requires_grad_()
    cases = {}
    for arch in args.archs:
        torch.manual_seed(0)
        module = getattr(torch.nn, arch.upper())(I, H).to(tdtype)
        cell = from_torch(module)
        check_equal(cell, module, x, G, np, torch, 1e-4 if args.dtype == "float32" else 1e-9)
        params = list(module.parameters())
        lesson = LessonLoop(arch, cell, np)
        n_lesson = min(args.lesson_samples, B)

        def torch_fwd(module=module):
            with torch.no_grad():
                module(xt)

        def torch_fwd_bwd(module=module, params=params):
            out, _ = module(xg)
            torch.autograd.grad((out * Gt).sum(), [*params, xg])

        def numpy_fwd_bwd(cell=cell):
            cell.forward(x)
            cell.backward(G)

        def lesson_fwd(lesson=lesson, n=n_lesson):
            for b in range(n):
                lesson.forward(x[:, b])

        cases[arch] = {
            "torch_fwd": torch_fwd,
            "numpy_fwd": lambda cell=cell: cell.forward(x),
            "torch_fwd_bwd": torch_fwd_bwd,
            "numpy_fwd_bwd": numpy_fwd_bwd,
            "lesson_fwd": lesson_fwd,
        }
        cases[arch]["_lesson_scale"] = B / n_lesson
    times = {a: {k: [] for k in c if not k.startswith("_")} for a, c in cases.items()}
    for fns in cases.values():  # warm-up, apart from the timed blocks
        for name, fn in fns.items():
            if not name.startswith("_"):
                for _ in range(2):
                    fn()
    for _ in range(args.rounds):  # interleaved: load from other processes hits all cases
        for arch, fns in cases.items():
            for name in times[arch]:
                timer = Timer(stmt="fn()", globals={"fn": fns[name]}, num_threads=args.threads)
                m = timer.blocked_autorange(min_run_time=args.min_run_time)
                scale = fns["_lesson_scale"] if name == "lesson_fwd" else 1.0
                times[arch][name].extend(t * scale for t in m.times)
    results = {}
    for arch, by_case in times.items():
        stats = {}
        for name, ts in by_case.items():
            q1, med, q3 = np.percentile(ts, [25, 50, 75])
            stats[name] = {
                "median_ms": float(med * 1e3),
                "iqr_ms": float((q3 - q1) * 1e3),
                "blocks": len(ts),
            }
        r = {
            "fwd_ratio": stats["numpy_fwd"]["median_ms"] / stats["torch_fwd"]["median_ms"],
            "fwd_bwd_ratio": stats["numpy_fwd_bwd"]["median_ms"]
            / stats["torch_fwd_bwd"]["median_ms"],
            "lesson_vs_numpy_fwd": stats["lesson_fwd"]["median_ms"]
            / stats["numpy_fwd"]["median_ms"],
        }
        results[arch] = {"cases": stats, "ratios": r}
    met = {}
    if "lstm" in results:
        met["lstm_fwd_within_2x"] = bool(results["lstm"]["ratios"]["fwd_ratio"] <= 2.0)
    for arch in results:
        met[f"{arch}_fwd_bwd_not_slower"] = bool(results[arch]["ratios"]["fwd_bwd_ratio"] <= 1.0)
    return {
        "schema": SCHEMA,
        "sizes": {"T": T, "B": B, "I": I, "H": H, "dtype": args.dtype},
        "threads": args.threads,
        "rounds": args.rounds,
        "lesson_samples": min(args.lesson_samples, B),
        "machine": machine(np, torch),
        "results": results,
        "targets": TARGETS,
        "targets_met": met,
    }


def render(report):
    from rich.console import Console
    from rich.table import Table

    s = report["sizes"]
    title = (
        f"T={s['T']} B={s['B']} I={s['I']} H={s['H']} {s['dtype']}, "
        f"{report['threads']} thread(s); median [IQR] ms"
    )
    table = Table(title=title, title_justify="left")
    for col in ("arch", "case", "torch", "NumPy", "NumPy/torch"):
        table.add_column(col, justify="left" if col in ("arch", "case") else "right")
    noisy = []
    for arch, res in report["results"].items():
        c, r = res["cases"], res["ratios"]

        def fmt(k, c=c, arch=arch):
            if c[k]["iqr_ms"] > 0.1 * c[k]["median_ms"]:
                noisy.append(f"{arch} {k}")
            return f"{c[k]['median_ms']:.2f} [{c[k]['iqr_ms']:.2f}]"

        table.add_row(arch, "forward", fmt("torch_fwd"), fmt("numpy_fwd"), f"{r['fwd_ratio']:.2f}x")
        table.add_row(
            "", "fwd+bwd", fmt("torch_fwd_bwd"), fmt("numpy_fwd_bwd"), f"{r['fwd_bwd_ratio']:.2f}x"
        )
        table.add_row(
            "", "lesson loop fwd*", "", fmt("lesson_fwd"), f"{r['lesson_vs_numpy_fwd']:.0f}x ours"
        )
    con = Console()
    con.print(table)
    m = report["machine"]
    con.print(
        f"* the lesson's loop ran {report['lesson_samples']} sequence(s), scaled to B={s['B']}; "
        "its ratio is against the batched NumPy forward."
    )
    con.print(f"machine: {m['cpu']}, {m['cores']} cores, load {m['load_average_1min_at_start']}")
    con.print(f"torch {m['torch']}, numpy {m['numpy']} ({m['numpy_blas']}), commit {m['commit']}")
    for name, ok in report["targets_met"].items():
        con.print(f"target {name}: {'met' if ok else 'NOT met'}")
    if noisy:
        con.print(f"[yellow]warning: IQR > 10% of the median for {', '.join(noisy)}[/]")


def markdown(report):
    """The same table as ``render`` in Markdown, for benchmarks/README.md."""
    s, m = report["sizes"], report["machine"]
    lines = [
        f"T={s['T']}, B={s['B']}, I={s['I']}, H={s['H']}, {s['dtype']}, "
        f"{report['threads']} thread(s), {report['rounds']} interleaved rounds; "
        "median [IQR] in ms.",
        "",
        "| arch | case | torch | NumPy (ours) | NumPy / torch |",
        "|---|---|---:|---:|---:|",
    ]
    for arch, res in report["results"].items():
        c, r = res["cases"], res["ratios"]

        def cell(k, c=c):
            return f"{c[k]['median_ms']:.2f} [{c[k]['iqr_ms']:.2f}]"

        lines.append(
            f"| {arch} | forward | {cell('torch_fwd')} | {cell('numpy_fwd')} "
            f"| {r['fwd_ratio']:.2f}x |"
        )
        lines.append(
            f"| {arch} | fwd+bwd | {cell('torch_fwd_bwd')} | {cell('numpy_fwd_bwd')} "
            f"| {r['fwd_bwd_ratio']:.2f}x |"
        )
        lines.append(
            f"| {arch} | lesson loop, forward | | {cell('lesson_fwd')} "
            f"| {r['lesson_vs_numpy_fwd']:.0f}x slower than ours |"
        )
    lines += [
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, 1-min load average "
        f"{m['load_average_1min_at_start']:.1f} at start; Python {m['python']}, "
        f"torch {m['torch']}, NumPy {m['numpy']} "
        f"({m['numpy_blas']}); commit {m['commit']}; {m['utc']}.",
    ]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.from_json:
        with open(args.from_json) as fh:
            report = json.load(fh)
        if args.markdown:
            print(markdown(report))
        else:
            render(report)
        return
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # before NumPy loads its BLAS
    if "numpy" in sys.modules:
        warnings.warn("NumPy was already imported: --threads may not reach its BLAS", stacklevel=1)
    report = run(args)
    if args.json:
        print(json.dumps(report, indent=2))
    elif args.markdown:
        print(markdown(report))
    else:
        render(report)


if __name__ == "__main__":
    main()
