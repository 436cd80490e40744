"""ember's benchmark suite against torch: `python -m bench` (see bench/run.py)."""
