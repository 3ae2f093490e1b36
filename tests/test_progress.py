"""Progress on stderr (issue #23): 'run k of n', and totals that grow with the plan."""

from __future__ import annotations

from types import SimpleNamespace

from rich.console import Console


def test_bench_total_grows_when_a_busy_machine_adds_rounds():
    from rnncli.render.bench import _grown

    task = SimpleNamespace(total=24, completed=10)  # 6 cases, 3 rounds planned
    assert _grown(task, "round 1/3 LSTM", 6) == 24
    assert _grown(task, "round 4/5 LSTM", 6) == 36  # 5 rounds run: 6 * (5 + 1)
    # never more done than the total, whatever the label
    assert _grown(SimpleNamespace(total=24, completed=24), "build x", 6) == 25


def test_train_progress_labels_run_k_of_n():
    from rnncli.render.progress import TrainProgress

    console = Console(file=open("/dev/null", "w"), force_terminal=False)  # noqa: SIM115
    with TrainProgress(console, 10, 3) as bar:
        bar.callback("rnn", 50)
        assert bar.run_label() == "run 1 of 3"
        bar.callback("gru", 50)
        bar.job("lstm default", 5)
        assert bar.run_label() == "run 3 of 3"
        bar.callback("lstm", 100)  # more runs than planned: n follows
        assert bar.run_label() == "run 4 of 4"
        assert bar.progress.tasks[0].description == "run 1 of 3: rnn T=50"
    console.file.close()
    with TrainProgress(console, 10) as bar:  # no plan given: no "of n"
        bar.job("gru default", 5)
        assert bar.progress.tasks[0].description == "gru default"
