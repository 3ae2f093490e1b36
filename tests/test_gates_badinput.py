"""Every bad input of `rnncli gates` ends with one line, exit code 2, nothing written."""

from __future__ import annotations

import os
import pickle
import zipfile

import numpy as np
import pytest
import torch


def fails(cli, *args: str, expect: str) -> str:
    res = cli("gates", *args)
    assert res.exit_code == 2, (args, res.output)
    assert res.stdout == "", res.stdout
    assert res.stderr.startswith("rnncli: error: ") and res.stderr.count("\n") == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert expect.lower() in res.stderr.lower(), res.stderr
    return res.stderr


@pytest.mark.parametrize(
    ("seq", "expect"),
    [
        ("1,a,0", "'a' is not a number"),
        ("", "empty"),
        ("1,,0", "empty value"),
        ("1,nan,0", "not finite"),
        ("1,inf", "not finite"),
        ("1,-Infinity", "not finite"),
        ("1e999", "not finite"),
        ("1,2;3", "ragged"),
        ("1,2;;3,4", "empty value"),
    ],
)
def test_bad_seq(cli, seq, expect):
    fails(cli, "--seq", seq, expect=expect)


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("1,2\n3\n", "ragged"),
        ("x,y\n1,2\n", "not a number"),
        ("1\nnan\n", "not finite"),
        ("\n\n", "empty"),
    ],
)
def test_bad_csv(cli, tmp_path, text, expect):
    path = tmp_path / "s.csv"
    path.write_text(text)
    fails(cli, "--input", str(path), expect=expect)


def test_bad_npy(cli, tmp_path):
    np.save(tmp_path / "nan.npy", np.array([[1.0], [np.nan]]))
    fails(cli, "--input", str(tmp_path / "nan.npy"), expect="nan and inf")
    np.save(tmp_path / "3d.npy", np.zeros((2, 2, 2)))
    fails(cli, "--input", str(tmp_path / "3d.npy"), expect="expected (T,) or (T, I)")
    np.save(tmp_path / "empty.npy", np.zeros((0, 1)))
    fails(cli, "--input", str(tmp_path / "empty.npy"), expect="empty")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    fails(cli, "--input", str(tmp_path / "obj.npy"), expect="unpickle")
    np.save(tmp_path / "str.npy", np.array(["1", "2"]))
    fails(cli, "--input", str(tmp_path / "str.npy"), expect="expected real numbers")
    (tmp_path / "junk.npy").write_bytes(b"not numpy at all")
    fails(cli, "--input", str(tmp_path / "junk.npy"), expect="not a plain .npy")
    fails(cli, "--input", str(tmp_path / "missing.npy"), expect="no such file")
    fails(cli, "--input", str(tmp_path / "s.json"), expect="unknown file type")
    fails(cli, "--input", str(tmp_path / "nan.npy"), "--seq", "1", expect="not both")


def test_feature_count_mismatch(cli, tmp_path):
    torch.save(torch.nn.LSTM(3, 2).state_dict(), tmp_path / "w.pt")
    fails(cli, "--weights", str(tmp_path / "w.pt"), "--seq", "1,0,1", expect="expect 3")
    fails(cli, "--init", "trained", "--seq", "1,0;0,1", expect="expects 1")


def test_missing_truncated_and_non_checkpoint_files(cli, tmp_path):
    fails(cli, "--weights", str(tmp_path / "nope.pt"), "--seq", "1", expect="no such file")
    good = tmp_path / "good.pt"
    torch.save(torch.nn.GRU(1, 2).state_dict(), good)
    data = good.read_bytes()
    (tmp_path / "trunc.pt").write_bytes(data[: len(data) // 2])
    fails(cli, "--weights", str(tmp_path / "trunc.pt"), "--seq", "1", expect="not a readable")
    (tmp_path / "text.pt").write_text("hello, I am not a checkpoint\n")
    fails(cli, "--weights", str(tmp_path / "text.pt"), "--seq", "1", expect="not a readable")
    (tmp_path / "empty.pth").write_bytes(b"")
    fails(cli, "--weights", str(tmp_path / "empty.pth"), "--seq", "1", expect="not a readable")
    np.savez(tmp_path / "good.npz", a=np.zeros(2))
    raw = (tmp_path / "good.npz").read_bytes()
    (tmp_path / "trunc.npz").write_bytes(raw[: len(raw) // 2])
    fails(cli, "--weights", str(tmp_path / "trunc.npz"), "--seq", "1", expect="not a readable")
    fails(cli, "--weights", str(tmp_path), "--seq", "1", expect="is a directory")
    torch.save(torch.zeros(3), tmp_path / "tensor.pt")
    fails(cli, "--weights", str(tmp_path / "tensor.pt"), "--seq", "1", expect="single tensor")
    torch.save([1, 2], tmp_path / "list.pt")
    fails(cli, "--weights", str(tmp_path / "list.pt"), "--seq", "1", expect="not a state_dict")


def test_no_recurrent_layer_and_ambiguous_prefix(cli, tmp_path):
    torch.save(torch.nn.Linear(2, 2).state_dict(), tmp_path / "lin.pt")
    fails(cli, "--weights", str(tmp_path / "lin.pt"), "--seq", "1", expect="no recurrent layer")
    two = {f"a.{k}": v for k, v in torch.nn.LSTM(1, 2).state_dict().items()}
    two.update({f"b.{k}": v for k, v in torch.nn.GRU(1, 2).state_dict().items()})
    torch.save(two, tmp_path / "two.pt")
    err = fails(cli, "--weights", str(tmp_path / "two.pt"), "--seq", "1", expect="--prefix")
    assert "'a'" in err and "'b'" in err
    fails(cli, "--weights", str(tmp_path / "two.pt"), "--prefix", "c", "--seq", "1",
          expect="matches no recurrent layer")
    fails(cli, "--weights", str(tmp_path / "two.pt"), "--prefix", "a", "--arch", "gru",
          "--seq", "1", expect="are LSTM weights")
    torch.save(torch.nn.LSTM(1, 2, bidirectional=True).state_dict(), tmp_path / "bi.pt")
    fails(cli, "--weights", str(tmp_path / "bi.pt"), "--seq", "1", expect="bidirectional")
    bad = torch.nn.LSTM(1, 2).state_dict()
    bad["weight_hh_l0"] = torch.zeros(5, 2)
    torch.save(bad, tmp_path / "shape.pt")
    fails(cli, "--weights", str(tmp_path / "shape.pt"), "--seq", "1", expect="(4H, H)")
    nan = torch.nn.GRU(1, 2).state_dict()
    nan["bias_ih_l0"][0] = float("nan")
    torch.save(nan, tmp_path / "nan.pt")
    fails(cli, "--weights", str(tmp_path / "nan.pt"), "--seq", "1", expect="nan or inf")


class Evil:
    """Unpickling this runs ``os.system`` (touching a marker file) if a loader allows it."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pickled_code_is_refused_and_never_runs(cli, tmp_path):
    marker = tmp_path / "pwned"
    zip_pt = tmp_path / "evil_zip.pt"  # torch's zip format with a malicious data.pkl
    torch.save({"weight_ih_l0": torch.zeros(4, 1), "x": Evil(str(marker))}, zip_pt)
    assert zipfile.is_zipfile(zip_pt)
    raw2 = tmp_path / "evil_raw2.pth"  # bare pickles, the legacy format
    raw2.write_bytes(pickle.dumps({"x": Evil(str(marker))}, protocol=2))
    raw4 = tmp_path / "evil_raw4.pth"
    raw4.write_bytes(pickle.dumps({"x": Evil(str(marker))}, protocol=4))
    for path in (zip_pt, raw2, raw4):
        err = fails(cli, "--weights", str(path), "--seq", "1", expect="pickled code")
        if path != raw4:  # torch names the refused global where its unpickler gets that far
            assert "system" in err
        assert not marker.exists()
    # the same objects DO run code when unpickled without protection: the test is real
    pickle.loads(raw2.read_bytes())
    assert marker.exists()
    marker.unlink()
    npz = tmp_path / "evil.npz"
    np.savez(npz, weight_ih_l0=np.array([Evil(str(marker))], dtype=object))
    fails(cli, "--weights", str(npz), "--seq", "1", expect="pickled")
    whole = tmp_path / "module.pt"  # torch.save(model) pickles classes: refused too
    torch.save(torch.nn.LSTM(1, 2), whole)
    fails(cli, "--weights", str(whole), "--seq", "1", expect="state_dict()")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["--hidden", "0"], "'--hidden': Input should be greater than or equal to 1"),
        (["--hidden", "-3"], "'--hidden': Input should be greater than or equal to 1"),
        (["--arch", "transformer"], "'transformer' is not one of 'rnn', 'gru', 'lstm'"),
        (["--gru-variant", "keras"], "'keras' is not one of 'pytorch', 'cho2014'"),
        (["--init", "xavier"], "'xavier' is not one of 'trained', 'random'"),
        (["--nonlinearity", "gelu"], "'gelu' is not one of 'tanh', 'relu'"),
        (["--layers", "0"], "'--layers': Input should be greater"),
        (["--layer", "1"], "use 0..0"),
        (["--layers", "2", "--layer", "-1"], "use 0..1"),
        (["--units", "0,3"], "units are 0..2"),
        (["--units", "a"], "not an integer"),
        (["--rows", "0"], "'--rows': Input should be greater"),
        (["--init", "trained", "--hidden", "4"], "--hidden 3 only"),
        (["--init", "trained", "--arch", "gru", "--gru-variant", "cho2014"], "pytorch"),
        (["--init", "trained", "--seed", "3"], "--seed applies"),
        (["--init", "trained", "--weights", "w.pt"], "not both"),
        (["--prefix", "lstm"], "--prefix applies"),
        (["--hidden", "abc"], "valid integer"),
        (["--gru-variant", "cho2014"], "applies to the GRU only"),
        (["--arch", "gru", "--nonlinearity", "relu"], "applies to the RNN only"),
    ],
)
def test_bad_options(cli, args, expect):
    fails(cli, "--seq", "1,0,1", *args, expect=expect)


def test_plot_path_checked_before_work(cli, tmp_path):
    fails(cli, "--seq", "1", "--plot", str(tmp_path / "g.txt"), expect="expected a file ending")
    fails(cli, "--seq", "1", "--plot", str(tmp_path / "no" / "g.png"), expect="does not exist")
    # bad input after a good --plot: nothing is written
    fails(cli, "--seq", "1,x", "--plot", str(tmp_path / "g.png"), expect="not a number")
    assert list(tmp_path.iterdir()) == []
