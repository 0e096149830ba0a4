"""Benchmarks of the data generator against itself and other generators (``python -m benchmarks.run``)."""
