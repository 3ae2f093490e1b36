"""``--save DIR``: the result JSON, the test predictions as CSV, and each run's weights.

Files (each written atomically): ``race.json`` (what ``--json`` prints),
``predictions.csv`` (test target row, truth, every baseline, every run), and
``<arch>-seed<k>.pt``: ``{"state_dict": ..., "meta": ...}`` where meta holds what is needed
to use the weights again (architecture, sizes, window, horizon, inputs, scaler). Load it
with ``torch.load(path, weights_only=True)``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rnncli.console import to_json
from rnncli.errors import BadInput
from rnncli.fileio import check_writable, save_torch_atomic, write_text_atomic


def check_dir(path: str | Path) -> Path:
    """Refuse, before any work, a DIR that is a file, whose parent is missing, or that
    cannot be written (a read-only folder: a file is created and removed there)."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise BadInput(f"--save {p}: exists and is not a directory")
    if not p.exists() and not p.parent.is_dir():
        raise BadInput(f"--save {p}: directory {p.parent} does not exist")
    try:
        check_writable(p / "race.json" if p.is_dir() else p)
    except BadInput as exc:
        raise BadInput(f"--save {exc}") from None
    return p


def _predictions_csv(result: dict, runs: list) -> str:
    preds = result["_predictions"]
    names = [k for k in preds if k not in ("origins",)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["target_row", *names, *(f"{r.arch}_seed{r.seed}" for r in runs)])
    h = result["data"]["horizon"]
    for i, origin in enumerate(preds["origins"]):
        w.writerow([int(origin) + h, *(f"{preds[n][i]:.8g}" for n in names),
                    *(f"{r.pred[i]:.8g}" for r in runs)])
    return buf.getvalue()


def _meta(result: dict, run, prep) -> dict:
    d = result["data"]
    return {"arch": run.arch, "seed": run.seed, "hidden": run.hidden,
            "layers": result["config"]["layers"], "window": d["window"],
            "horizon": d["horizon"], "target": d["target"], "features": list(d["features"]),
            "x_mean": [float(v) for v in prep.x_mean], "x_std": [float(v) for v in prep.x_std],
            "y_mean": prep.y_mean, "y_std": prep.y_std, "test_rmse": run.rmse}


def save(directory: str | Path, result: dict, runs: list, prep) -> list[Path]:
    """Write everything into ``directory`` (created if needed); return the paths."""

    p = check_dir(directory)
    p.mkdir(exist_ok=True)
    public = {k: v for k, v in result.items() if not k.startswith("_")}
    paths = [write_text_atomic(p / "race.json", to_json(public) + "\n"),
             write_text_atomic(p / "predictions.csv", _predictions_csv(result, runs))]
    for r in runs:
        blob = {"state_dict": r.state, "meta": _meta(result, r, prep)}
        paths.append(save_torch_atomic(p / f"{r.arch}-seed{r.seed}.pt", blob))
    return paths
