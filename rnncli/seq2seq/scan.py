"""SCAN (Lake & Baroni 2018), generated from its published grammar and interpretation.

Grammar (the paper's Figure 6; the brendenlake/SCAN README gives the same examples)::

    C -> S and S | S after S | S
    S -> V twice | V thrice | V
    V -> D opposite D' | D around D' | D | U     (here: x opposite dir, x around dir)
    D -> U left | U right | turn left | turn right
    U -> walk | look | run | jump

Interpretation: [[walk]] = I_WALK (look, run, jump alike); [[turn left]] = I_TURN_LEFT;
[[u left]] = I_TURN_LEFT [[u]]; [[x opposite left]] = I_TURN_LEFT I_TURN_LEFT [[x]]
(turn: just the two turns); [[x around left]] = (I_TURN_LEFT [[x]]) four times (turn:
four turns); [[s twice]] = [[s]] [[s]]; thrice likewise; [[s1 and s2]] = [[s1]] [[s2]];
[[s1 after s2]] = [[s2]] [[s1]].  Counting: 34 V phrases, 102 S phrases and
102 + 2 * 102 * 102 = 20,910 commands, the size of the official ``tasks.txt``.

Splits, by the repository's rules:
- ``simple``: a seeded random 80/20 split (the paper's split is one such draw);
- ``length``: train on commands whose action sequence has at most 22 actions, test on
  the longer ones (24 to 48 actions);
- ``addprim-jump``: train on every command without "jump" plus the bare "jump"
  (over-represented to 10% of the training set, as the official file does); test on
  every other command with "jump".
"""

from __future__ import annotations

import random
from itertools import product

from rnncli.errors import BadInput

PRIMITIVES = ("walk", "look", "run", "jump")
DIRECTIONS = ("left", "right")
TURN = {"left": "I_TURN_LEFT", "right": "I_TURN_RIGHT"}
SPLITS = ("simple", "length", "addprim-jump")
LENGTH_CUTOFF = 22      # the length split trains on action sequences up to this length
TOTAL = 20_910          # pairs in the official tasks.txt
SOURCE = "Lake & Baroni 2018, ICML; github.com/brendenlake/SCAN"


def _action(u: str) -> list[str]:
    return [] if u == "turn" else [f"I_{u.upper()}"]


def _v_phrases() -> list[tuple[str, list[str]]]:
    """The 34 V phrases with their meanings."""
    out = []
    for x, d in product(PRIMITIVES + ("turn",), DIRECTIONS):
        out.append((f"{x} opposite {d}", [TURN[d], TURN[d]] + _action(x)))
        out.append((f"{x} around {d}", ([TURN[d]] + _action(x)) * 4))
    for x, d in product(PRIMITIVES + ("turn",), DIRECTIONS):
        out.append((f"{x} {d}", [TURN[d]] + _action(x)))
    out.extend((u, _action(u)) for u in PRIMITIVES)
    return out


def _s_phrases() -> list[tuple[str, list[str]]]:
    out = []
    for text, acts in _v_phrases():
        out.append((text, acts))
        out.append((f"{text} twice", acts * 2))
        out.append((f"{text} thrice", acts * 3))
    return out


def generate() -> list[tuple[str, str]]:
    """All 20,910 (command, actions) pairs, in a fixed order."""
    s = _s_phrases()
    pairs = [(t, " ".join(a)) for t, a in s]
    for (t1, a1), (t2, a2) in product(s, s):
        pairs.append((f"{t1} and {t2}", " ".join(a1 + a2)))
        pairs.append((f"{t1} after {t2}", " ".join(a2 + a1)))
    return pairs


def interpret(command: str) -> str:
    """The action sequence of one command (the rules above, for checking)."""
    table = dict(_s_phrases())
    for conj in (" and ", " after "):
        if conj in command:
            left, right = command.split(conj, 1)
            if left not in table or right not in table:
                break
            a, b = table[left], table[right]
            return " ".join(a + b if conj == " and " else b + a)
    if command in table:
        return " ".join(table[command])
    raise BadInput(f"not a SCAN command: {command!r}")


def _has_jump(command: str) -> bool:
    return "jump" in command.split()


def _simple(pairs: list[tuple[str, str]], rng: random.Random):
    shuffled = list(pairs)
    rng.shuffle(shuffled)
    cut = round(0.8 * len(shuffled))
    return shuffled[:cut], shuffled[cut:]


def _length(pairs: list[tuple[str, str]], rng: random.Random):
    train = [p for p in pairs if len(p[1].split()) <= LENGTH_CUTOFF]
    test = [p for p in pairs if len(p[1].split()) > LENGTH_CUTOFF]
    return train, test


def _addprim_jump(pairs: list[tuple[str, str]], rng: random.Random):
    train = [p for p in pairs if not _has_jump(p[0])]
    test = [p for p in pairs if _has_jump(p[0]) and p[0] != "jump"]
    # the bare "jump" makes up 10% of the training set, as in the official file
    return train + [("jump", "I_JUMP")] * round(len(train) / 9), test


_SPLITTERS = {"simple": _simple, "length": _length, "addprim-jump": _addprim_jump}


def split(pairs: list[tuple[str, str]], name: str, seed: int = 0
          ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(train, test) for a split name; ``seed`` draws the simple split and the order."""
    if name not in _SPLITTERS:
        raise BadInput(f"--split: unknown split {name!r}; choose one of {', '.join(SPLITS)}")
    rng = random.Random(seed)
    train, test = _SPLITTERS[name](pairs, rng)
    if name != "simple":
        rng.shuffle(train)
        rng.shuffle(test)
    return train, test


# Published figures: exact match on the test set, mean of 5 runs (Lake & Baroni 2018,
# ICML, Experiments 1-3).  "Overall-best" is their one model for all splits: an LSTM,
# 2 layers of 200 units, no attention, dropout 0.5, 100,000 training presentations.
PUBLISHED = {
    "simple": "99.7% overall-best model; 99.8% best for this split (LSTM, 2x200, no "
              "attention); plain SRNs under 1.5%",
    "length": "13.8% overall-best model; 20.8% best for this split (GRU + attention, "
              "50 units)",
    "addprim-jump": "0.08% overall-best model; 1.2% best for this split (LSTM + "
                    "attention, 100 units)",
}
PUBLISHED_NOTE = ("their overall-best model has no attention; compare it with the rows "
                  "without attention here, not with the attention rows")
