"""From ``rnncli bench``'s options to a checked ``Request`` (no torch; BadInput, one line).

The command passes its option values as an ``Options`` to :func:`build`: typer has
already checked the closed choices (Enums built from ``spec``'s tuples) and the numeric
bounds; everything else that can be refused is refused here, before anything is measured
or written.  A new option: a field in ``Options`` and ``Request``, its check here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from rnncli import archs
from rnncli.errors import BadInput
from rnncli.measure import grid, spec
from rnncli.measure.impls import IMPL_NAMES, IMPLS
from rnncli.options import choice_list, int_list

#: (option, default) of each size list.
SIZES = {"seq_len": ("--seq-len", "200"), "batch": ("--batch", "32"),
         "input_size": ("--input-size", "64"), "hidden": ("--hidden", "128"),
         "layers": ("--layers", "1")}
#: No size may exceed this, even with --force (torch's sizes are 32-bit in places, and a
#: bigger one could only fail deep inside a kernel).
MAX_SIZE = 2**31 - 1
MIN_PEAK_N = 16  # --peak-n: 0 (no peak) or at least this


@dataclass
class Options:
    """The command's option values: sizes and lists as typed, choices as checked strings.

    A new option: a field here (and in the command's call), its check in :func:`build`.
    """

    seq_len: str | None = None
    batch: str | None = None
    input_size: str | None = None
    hidden: str | None = None
    layers: str | None = None
    arch: str = "all"
    mode: str | None = None
    impl: str = "torch"
    device: str = "cpu"
    dtype: str = "float32"
    threads: int | None = None
    preset: str | None = None
    flops: str = "full"
    min_time: float | None = None
    rounds: int | None = None
    peak_n: int = 1024  # 0: no GEMM peak
    force: bool = False
    output: str | None = None
    compare: str | None = None
    plot: str | None = None
    weights: str | None = None
    lengths: str | None = None
    markdown: bool = False
    json: bool = False
    clock: str = "auto"
    runtime: str | None = None

    def given_sizes(self) -> dict[str, str | None]:
        return {k: getattr(self, k) for k in SIZES}


@dataclass
class Request(Options):
    """Everything one bench run needs to know, checked: the options, and what they mean."""

    archs: list[str] = field(default_factory=list)
    impls: list[str] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    sizes: dict[str, list[int]] = field(default_factory=dict)
    drawn: tuple[int, ...] | None = None  # --lengths: one length per sequence
    model: object | None = None  # --weights: a usermodel.UserModel
    runtimes: list[str] | None = None  # --runtime, checked (torch first)

    @property
    def peak(self) -> bool:
        return self.peak_n > 0

    @property
    def latency(self) -> bool:
        return bool(self.preset) and not grid.PRESETS[self.preset].table

    def free_sizes(self) -> list[str]:
        """The size options the user may lower (not set by a preset, --weights, --lengths)."""
        fixed = _fixed_by(self)
        return [SIZES[k][0] for k in SIZES if k not in fixed]

    def options(self) -> dict:
        """What meta.options records."""
        return {"preset": self.preset, "archs": self.archs, "impls": self.impls,
                "modes": self.modes, "force": self.force, "lengths": self.lengths,
                "runtimes": self.runtimes,
                "weights": str(self.model.path) if self.model else None}


def _fixed_by(o: Options) -> dict[str, str]:
    """{size: the option that sets it} for sizes the user must not give."""
    fixed = {}
    if o.lengths:
        fixed["seq_len"] = "--lengths"
    if o.weights:
        fixed.update({k: "--weights" for k in ("input_size", "hidden", "layers")})
    if o.preset:
        by_preset = SIZES if grid.PRESETS[o.preset].table else ["batch"]
        fixed.update({k: f"--preset {o.preset}" for k in by_preset})
    return fixed


def _sizes(o: Options) -> dict[str, list[int]]:
    given = o.given_sizes()
    for k, why in _fixed_by(o).items():
        if given.get(k) is not None:
            raise BadInput(f"{why} sets {SIZES[k][0]}; drop {SIZES[k][0]}")
    sizes = {k: int_list(v if v is not None else SIZES[k][1], SIZES[k][0])
             for k, v in given.items()}
    for k, values in sizes.items():
        if max(values) > MAX_SIZE:
            raise BadInput(f"{SIZES[k][0]}: {max(values)} is too large (at most {MAX_SIZE})")
    if o.preset and not grid.PRESETS[o.preset].table:
        sizes["batch"] = [1]
    return sizes


def _archs_and_impls(o: Options) -> tuple[list[str], list[str]]:
    impls = choice_list(o.impl, "--impl", list(IMPL_NAMES))
    if o.runtime is not None:
        from rnncli import runtimes

        impls = list(dict.fromkeys(["torch", *impls, *runtimes.parse(o.runtime)]))
    provided = [a for a in archs.names() if any(a in IMPLS[i].archs() for i in impls)]
    if str(o.arch).strip().lower() == "all":
        return provided, impls
    names = []
    for a in str(o.arch).split(","):
        try:
            names.append(archs.get(a).name if a.strip() else "")
        except BadInput:
            names.append(a)  # choice_list names the option and the choices
    return choice_list(",".join(names), "--arch", list(archs.names())), impls


def _modes(o: Options) -> list[str]:
    name = o.mode or (grid.PRESETS[o.preset].mode if o.preset else "both")
    return list(spec.MODES) if name == "both" else [name]


def _numbers(o: Options) -> None:
    if 0 < o.peak_n < MIN_PEAK_N:
        raise BadInput(f"--peak-n {o.peak_n}: 0 (no peak) or at least {MIN_PEAK_N}")
    if o.min_time is not None and not 0 < o.min_time <= 3600:
        raise BadInput(f"--min-time must be a number of seconds in (0, 3600], got {o.min_time}")


def _files(o: Options) -> None:
    from rnncli import fileio
    from rnncli.measure import output as out_mod

    for flag, name, suffixes in (("--output", o.output, out_mod.SUFFIXES),
                                 ("--plot", o.plot, (".png", ".svg", ".pdf"))):
        if name is not None and not str(name).strip():
            raise BadInput(f"{flag}: empty file name")
        if name is not None:
            fileio.check_writable(name, suffixes)


def _user_model(req: Request) -> None:
    from rnncli.measure import usermodel

    if req.weights:
        if str(req.arch).strip().lower() != "all":
            raise BadInput("--weights sets the architecture; drop --arch")
        m = req.model = usermodel.read_model(req.weights)
        if m.arch not in archs.names(torch_only=True):
            raise BadInput(f"--weights: torch has no module for {m.arch}")
        req.archs = [m.arch]
        req.sizes.update(input_size=[m.input_size], hidden=[m.hidden_size],
                         layers=[m.num_layers])
    if req.lengths:
        if len(req.sizes["batch"]) != 1:
            raise BadInput("--lengths takes one --batch (the number of sequences drawn)")
        req.drawn = usermodel.parse_lengths(req.lengths, req.sizes["batch"][0])


def _conflicts(o: Options) -> None:
    if o.preset and grid.PRESETS[o.preset].table and (o.weights or o.lengths):
        raise BadInput(f"--preset {o.preset} sets the sizes; drop --weights/--lengths")
    if o.clock == "cpu" and o.device != "cpu":
        raise BadInput("--clock cpu times the process's CPU time; a GPU needs --clock wall")


def build(o: Options) -> Request:
    """Check every option; return the request (BadInput names the first bad one)."""
    _conflicts(o)
    arch_names, impls = _archs_and_impls(o)
    req = Request(**{f.name: getattr(o, f.name) for f in fields(Options)}, archs=arch_names,
                  impls=impls, modes=_modes(o), sizes=_sizes(o))
    if o.runtime is not None:
        req.runtimes = [i for i in impls if i == "torch" or IMPLS[i].runtime]
    _numbers(o)
    _files(o)
    _user_model(req)
    return req
