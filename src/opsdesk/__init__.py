"""opsdesk: support operations for platform teams (cover, rota, incidents, changes)."""

__version__ = "0.1.0"
