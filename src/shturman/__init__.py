"""Shturman: a self-hosted AI operations agent for Linux servers."""

__version__ = "0.1.0"
