"""`rnncli race`: RNN, GRU and LSTM trained on one series beside baselines that need no
recurrence, over several seeds, with a paired comparison and a plain verdict.

- ``series``: built-in series (NARMA-10, Mackey-Glass, random walk, sine) and the
  statsmodels data sets (sunspots, CO2), each a ``Frame``.
- ``data``: bounded CSV reading, column choice, missing values, the time-ordered split and
  the scaling fitted on the training part only (``Prepared``).
- ``baselines``: persistence, seasonal persistence, least-squares linear AR on the window.
- ``models``: the forecaster (torch recurrent layer + linear head), equal-parameter widths,
  the time/memory estimate.
- ``train``: one (architecture, seed) run and the whole race.
- ``verdict``: paired differences over seeds and the sentences the command prints.
- ``options``: the data options (``--target``, ``--features``, ``--fill``, ``--max-rows``)
  declared once for `race` and `advise --data`.
- ``save``: ``--save DIR`` (JSON, predictions CSV, weights).

No module here imports torch at module level.
"""
