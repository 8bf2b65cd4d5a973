"""OnBeat: a police force's mobile working platform, one package per capability."""

__version__ = "0.1.0"
