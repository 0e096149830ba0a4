"""Deterministic, vectorized synthetic data generation."""
