"""Shell completion through click's own machinery (bash protocol): comma lists of choices
complete their last item, Enum options their values."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rnncli.cli import app
from rnncli.options import complete_list


def complete(line: str) -> list[str]:
    """What bash would offer for the last word of ``line`` (``rnncli ...``)."""
    words = line.split(" ")
    env = {"_RNNCLI_COMPLETE": "complete_bash", "COMP_WORDS": line,
           "COMP_CWORD": str(len(words) - 1)}
    res = CliRunner().invoke(app, [], env=env, prog_name="rnncli")
    assert res.exit_code == 0, res.output
    return res.stdout.split()


@pytest.mark.parametrize(("line", "offered"), [
    ("rnncli bench --impl num", ["numpy"]),
    ("rnncli bench --impl torch,n", ["torch,numpy", "torch,naive"]),
    ("rnncli bench --impl torch,cell,", ["torch,cell,numpy", "torch,cell,reference",
                                         "torch,cell,naive"]),
    ("rnncli bench --arch l", ["lstm"]),
    ("rnncli bench --arch rnn,p", ["rnn,peephole"]),
    ("rnncli bench --mode t", ["train"]),
    ("rnncli bench --preset deep", ["deepbench-train", "deepbench-inference"]),
    ("rnncli memory --arch g", ["gru"]),
    ("rnncli gradients --init o", ["orthogonal"]),
    ("rnncli race --arch rnn,gru,", ["rnn,gru,lstm"]),
    ("rnncli sentiment --arch a", ["all"]),
    ("rnncli seq2seq --attention none,", ["none,additive", "none,dot"]),
])
def test_comma_lists_and_choices_complete(line, offered):
    assert complete(line) == offered


def test_complete_list_never_offers_a_choice_twice_nor_all_after_a_comma():
    f = complete_list(("rnn", "gru", "lstm"))
    assert f("") == ["rnn", "gru", "lstm", "all"]
    assert f("gru,") == ["gru,rnn", "gru,lstm"]
    assert f("GRU,R") == ["GRU,rnn"]
    assert f("x") == []
