"""Transformation steps: one module per step, registered explicitly in ``registry.py``."""
