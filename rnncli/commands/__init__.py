"""Thin typer commands, one module each: parse options, call library code, render.

Rules: no torch or matplotlib import at module level; raise ``rnncli.errors``
exceptions for bad input; results to stdout, progress to stderr; ``--json``
prints exactly the data the table shows.
"""
