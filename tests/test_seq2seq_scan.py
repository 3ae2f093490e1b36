"""SCAN generated from its grammar: the official count, the README's examples, the splits."""

from __future__ import annotations

from collections import Counter

import pytest

from rnncli.errors import BadInput
from rnncli.seq2seq import scan

# Examples from the brendenlake/SCAN README (its LTURN/JUMP shorthand spelled out as in
# tasks.txt: I_TURN_LEFT, I_JUMP).
README = {
    "jump": "I_JUMP",
    "jump left": "I_TURN_LEFT I_JUMP",
    "jump around right": "I_TURN_RIGHT I_JUMP I_TURN_RIGHT I_JUMP I_TURN_RIGHT I_JUMP "
                         "I_TURN_RIGHT I_JUMP",
    "turn left twice": "I_TURN_LEFT I_TURN_LEFT",
    "jump thrice": "I_JUMP I_JUMP I_JUMP",
    "jump opposite left and walk thrice": "I_TURN_LEFT I_TURN_LEFT I_JUMP I_WALK I_WALK I_WALK",
    "jump opposite left after walk around left":
        "I_TURN_LEFT I_WALK I_TURN_LEFT I_WALK I_TURN_LEFT I_WALK I_TURN_LEFT I_WALK "
        "I_TURN_LEFT I_TURN_LEFT I_JUMP",
}


@pytest.fixture(scope="module")
def pairs():
    return scan.generate()


def test_count_is_the_official_20910_and_commands_are_unique(pairs):
    assert len(pairs) == scan.TOTAL == 20_910
    assert len({c for c, _ in pairs}) == 20_910


def test_readme_examples(pairs):
    table = dict(pairs)
    for command, actions in README.items():
        assert table[command] == actions
        assert scan.interpret(command) == actions


def test_vocabularies(pairs):
    words = Counter(w for c, _ in pairs for w in c.split())
    assert set(words) == {"walk", "look", "run", "jump", "turn", "left", "right", "opposite",
                          "around", "twice", "thrice", "and", "after"}
    actions = {a for _, t in pairs for a in t.split()}
    assert actions == {"I_WALK", "I_LOOK", "I_RUN", "I_JUMP", "I_TURN_LEFT", "I_TURN_RIGHT"}
    assert max(len(t.split()) for _, t in pairs) == 48


def test_length_split_rule_and_sizes(pairs):
    train, test = scan.split(pairs, "length")
    assert max(len(t.split()) for _, t in train) <= 22
    assert min(len(t.split()) for _, t in test) > 22
    assert (len(train), len(test)) == (16_990, 3_920)  # the official files' sizes


def test_addprim_jump_rule(pairs):
    train, test = scan.split(pairs, "addprim-jump")
    with_jump = [c for c, _ in train if "jump" in c.split()]
    assert set(with_jump) == {"jump"}
    assert abs(len(with_jump) / len(train) - 0.10) < 0.001  # 10% of the training set
    assert all("jump" in c.split() and c != "jump" for c, _ in test)
    assert len(test) == 7_706 and len(train) == 14_670  # the official files' sizes
    assert len({c for c, _ in train}) + len(test) == 20_910


def test_simple_split_is_seeded_80_20_and_disjoint(pairs):
    a_train, a_test = scan.split(pairs, "simple", seed=1)
    b_train, b_test = scan.split(pairs, "simple", seed=1)
    c_train, _ = scan.split(pairs, "simple", seed=2)
    assert a_train == b_train and a_test == b_test
    assert a_train != c_train
    assert (len(a_train), len(a_test)) == (16_728, 4_182)
    assert not {c for c, _ in a_train} & {c for c, _ in a_test}


def test_unknown_split_and_command(pairs):
    with pytest.raises(BadInput):
        scan.split(pairs, "nope")
    with pytest.raises(BadInput):
        scan.interpret("fly twice")
