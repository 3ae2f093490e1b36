"""Requests of `memory` and `gradients`: options checked and assembled into one object,
its cost estimated, and the result data the renderers and ``--json`` share.

The commands only parse options, build a job here, run it and render; every bad value
raises :class:`~rnncli.errors.BadInput` naming the option, before anything is allocated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from rnncli.errors import BadInput
from rnncli.experiments import budget
from rnncli.experiments.inits import INITS, applies
from rnncli.experiments.tasks import TASKS, Task, get_task
from rnncli.experiments.train import OPTIMIZERS, TrainConfig
from rnncli.options import choice, choice_list, int_list, trainable_arch_list

MAX_SEED = 2**63 - 1
#: The full study (``memory --full``, the options' defaults; docs/memory.md "The default
#: run"): what a run's setting is compared with, so a verdict says when it holds for a
#: smaller setting.
STUDY = {"hidden": 64, "batch": 64, "lr": 1e-2, "steps": 5000}
#: The options a bare ``rnncli memory`` fills from the task's first look (its quick preset
#: at the first length, <= 60 s of CPU); any of them given, or ``--full``, runs the study.
SIZE_OPTIONS = ("seq_len", "steps", "hidden", "batch", "lr")


def positive_float(value: float, name: str, allow_zero: bool = False) -> float:
    """A finite number > 0 (or >= 0)."""
    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        what = "a finite number >= 0" if allow_zero else "a positive finite number"
        raise BadInput(f"{name} must be {what}, got {value}")
    return value


def check_seed(seed: int) -> int:
    if not 0 <= seed <= MAX_SEED:
        raise BadInput(f"--seed must be an integer in 0..2**63-1, got {str(seed)[:30]}")
    return seed


def check_radius(radius: float | None) -> float | None:
    return None if radius is None else positive_float(radius, "--radius")


def torch_archs(text: str) -> list[str]:
    """``--arch``: any registered architecture (``all``: the lesson's three); those torch
    has no module for train as ``archs.trainable_module``; see
    ``options.trainable_arch_list``."""
    return trainable_arch_list(text)


STUDY_LENGTHS = "50,100,200"


def _preset(o: dict, task: Task) -> tuple[dict, bool]:
    """Apply ``--quick`` or, for a bare command (``o["given"]`` empty, no ``--full``), the
    task's first look; returns the options and whether the first look applies."""
    if o["quick"]:
        return _quick(o, task), False
    bare = o.get("given") is not None and not o["given"] and not o.get("full")
    if not bare or task.quick is None:
        return o, False
    return {**o, **task.quick, "seq_len": task.quick["seq_len"].split(",")[0]}, True


def _quick(o: dict, task: Task) -> dict:
    if o.get("full"):
        raise BadInput("--quick and --full: give one (--quick is smaller than the study, "
                       "--full is the study)")
    if task.quick is None:
        quick = ", ".join(t.name for t in TASKS.values() if t.quick)
        raise BadInput(f"--quick: the {task.name} task has no quick preset (tasks "
                       f"with one: {quick}); drop --quick or --task")
    return {**o, **task.quick, "arch": "all"}


@dataclass(frozen=True)
class MemoryJob:
    """Everything `rnncli memory` runs: a task, lengths, architectures, one config."""

    task: Task
    lengths: list[int]
    arch_names: list[str]
    cfg: TrainConfig
    first_look: bool = False  # a bare `rnncli memory`: the task's first look, not the study

    @classmethod
    def from_options(cls, o: dict) -> MemoryJob:
        """Check the command's options (a dict by option name) and assemble the job."""
        o = {k: getattr(v, "value", v) for k, v in o.items()}  # Enum choices -> str
        task = get_task(o["task"])
        o, first_look = _preset(o, task)
        for name in ("lr", "max_seconds"):
            positive_float(o[name], f"--{name.replace('_', '-')}")
        cfg = TrainConfig(
            hidden=o["hidden"], batch=o["batch"],
            lr=o["lr"], optimizer=choice(o["optimizer"], "--optimizer", OPTIMIZERS),
            clip=positive_float(o["clip"], "--clip", allow_zero=True),
            steps=o["steps"], max_seconds=o["max_seconds"],
            seed=check_seed(o["seed"]), init=choice(o["init"], "--init", INITS),
            radius=check_radius(o["radius"]),
            threads=budget.check_threads(o["threads"]),
        )
        lengths = [task.check_len(T) for T in int_list(o["seq_len"], "--seq-len")]
        job = cls(task, lengths, torch_archs(o["arch"]), cfg, first_look)
        job.estimate().check(o["force"], "this memory job",
                             budget.training_knobs(task, job.arch_names, lengths, cfg))
        return job

    @property
    def n_runs(self) -> int:
        return len(self.lengths) * len(self.arch_names)

    def estimate(self) -> budget.Estimate:
        return budget.training(self.task, self.arch_names, self.lengths, self.cfg)

    def full_study(self) -> budget.Estimate:
        """The estimate of the study a first look stands in for (``--full``)."""
        lengths = [int(t) for t in STUDY_LENGTHS.split(",")]
        return budget.training(self.task, self.arch_names, lengths,
                               replace(self.cfg, **STUDY))

    def config(self) -> dict:
        skip = {"eval_every", "patience", "min_lr", "val_size", "test_size"}
        return {f.name: getattr(self.cfg, f.name) for f in fields(self.cfg) if f.name not in skip}

    def differs_from_study(self) -> dict:
        """{setting: (this run, the full study)} for every size or budget that differs."""
        return {k: (getattr(self.cfg, k), v) for k, v in STUDY.items()
                if getattr(self.cfg, k) != v}

    def data(self, results: list[dict], interrupted: bool) -> dict:
        """The result as ``--json`` prints it and ``-o`` saves it."""
        return {
            "task": self.task.name,
            "solved_rule": self.task.solved_rule,
            "source": self.task.source,
            "config": self.config(),
            "differs_from_study": {k: list(v) for k, v in self.differs_from_study().items()},
            "first_look": self.first_look,
            "interrupted": interrupted,
            "wall_cap_hit": sum(bool(r.get("wall_cap_hit")) for r in results),
            "results": results,
        }


@dataclass(frozen=True)
class GradientsJob:
    """Everything `rnncli gradients` measures."""

    arch_names: list[str]
    inits: list[str]
    probe: object  # experiments.gradients.Probe
    train_cfg: TrainConfig | None

    @property
    def n_runs(self) -> int:
        """Measurements (one per architecture and init that applies), and as many training
        runs with ``--after-training``."""
        pairs = sum(applies(i, a) for i in self.inits for a in self.arch_names)
        return pairs * (2 if self.train_cfg is not None else 1)

    @classmethod
    def from_options(cls, o: dict) -> GradientsJob:
        o = {k: getattr(v, "value", v) for k, v in o.items()}  # Enum choices -> str
        from rnncli.experiments.gradients import BATCH, Probe

        names, inits = torch_archs(o["arch"]), choice_list(o["init"], "--init", INITS)
        if not any(applies(i, a) for i in inits for a in names):
            raise BadInput("--init forget-bias-1 applies to the LSTM only; add lstm to --arch")
        task = get_task(o["after_training"] or "adding", "--after-training")
        seq_len = task.check_len(o["seq_len"])
        probe = Probe(task, seq_len, o["hidden"], o["seeds"], check_radius(o["radius"]))
        train_cfg = None
        if o["after_training"]:
            train_cfg = TrainConfig(steps=o["steps"], lr=1e-2,
                                    max_seconds=positive_float(o["max_seconds"],
                                                               "--max-seconds"))
        job = cls(names, inits, probe, train_cfg)

        def cost(seq_len: int, hidden: int, seeds: int, steps: int | None):
            est = budget.gradients(task, names, len(inits), seq_len, hidden, seeds, BATCH)
            if train_cfg is None:
                return est
            cfg = replace(train_cfg, hidden=hidden, steps=steps)
            return est + budget.training(task, names, [seq_len] * len(inits), cfg)

        steps = None if train_cfg is None else train_cfg.steps
        cost(seq_len, probe.hidden, probe.seeds, steps).check(
            o["force"], "this gradients job",
            budget.gradients_knobs(cost, seq_len, probe.hidden, probe.seeds, steps,
                                   task.min_len))
        return job

    @property
    def n_trained(self) -> int:
        if self.train_cfg is None:
            return 0
        return sum(applies(i, a) for i in self.inits for a in self.arch_names)

    def skipped(self) -> list[str]:
        """Architectures forget-bias-1 does not apply to."""
        return [a for a in self.arch_names if not applies("forget-bias-1", a)] \
            if "forget-bias-1" in self.inits else []

    def data(self, results: list[dict], interrupted: bool) -> dict:
        p = self.probe
        return {"seq_len": p.seq_len, "steps": p.task.seq_steps(p.seq_len), "hidden": p.hidden,
                "seeds": p.seeds, "radius": p.radius, "probe_task": p.task.name,
                "interrupted": interrupted, "results": results}
