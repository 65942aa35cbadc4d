"""Composition root: configuration, storage, services and the command line."""

__version__ = "0.1.0"
