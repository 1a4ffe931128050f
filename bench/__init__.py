"""Benchmarks (run ``python bench/echo.py``)."""
