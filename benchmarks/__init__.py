"""Benchmarks of the data generator, alone and against others: ``python -m benchmarks.run``."""
