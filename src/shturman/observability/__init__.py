"""Logging set-up, metrics (all in one module) and audit helpers."""
