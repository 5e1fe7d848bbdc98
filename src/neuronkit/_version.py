"""neuronkit's version, in a module of its own (the CLI and model files read it without importing the package)."""

__version__ = "0.1.0"
"""The installed neuronkit's version (``"MAJOR.MINOR.PATCH"``), also written into every model file."""
