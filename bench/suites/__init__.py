"""Benchmark suites: each module has ``run(ctx) -> list[dict]`` (see bench/run.py)."""
