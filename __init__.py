"""briefcast: a learning briefing in, a scheduled series of themed email digests out."""

__version__ = "0.1.0"
