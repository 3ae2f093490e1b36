"""The data options `race` and `advise --data FILE.csv` share, declared once: which column
to forecast, which to read, what to do with missing values, how many rows to read. Both
commands pass them to ``rnncli.race.run.Request``, so a message that names one of them
(``choose --fill ffill``) is true in either command."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer


class Fill(str, Enum):
    ffill = "ffill"
    drop = "drop"


Target = Annotated[str | None, typer.Option(
    "--target", help="Column to forecast (default: the last numeric one).")]
Features = Annotated[str | None, typer.Option(
    "--features", help="Comma list of input columns (default: the target alone).")]
FillOption = Annotated[Fill | None, typer.Option(
    "--fill", help="Missing values: carry forward or drop rows (default: refuse).")]
MaxRows = Annotated[int, typer.Option("--max-rows", min=1,
                                      help="Row limit (CSV and --length).")]
MAX_ROWS = 1_000_000
