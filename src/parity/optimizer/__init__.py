"""Batch optimizer: solve(problem, *, time_limit, seed) and the exact bound (issue 5)."""
