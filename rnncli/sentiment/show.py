"""``--show-code``: the source of ``model_code.py``, the class a user can copy."""

from __future__ import annotations

from pathlib import Path


def model_source() -> str:
    return (Path(__file__).with_name("model_code.py")).read_text(encoding="utf-8")
