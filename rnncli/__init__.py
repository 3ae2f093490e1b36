"""rnncli: a command-line lab for vanilla RNN, GRU and LSTM.

The package is laid out flat, one concern per module:

- ``scratch/``     from-scratch NumPy cells (forward, trace, backward) that match torch.
- ``formulas``     exact parameter, FLOP and activation-memory counts (no torch).
- ``knowledge/``   the teaching material: explanations, comparison, decision guide, quiz.
- ``commands/``    thin typer commands: parse, call library code, render.
- ``cli``          the typer app and the one place errors become exit codes.
"""

__version__ = "0.1.0"
