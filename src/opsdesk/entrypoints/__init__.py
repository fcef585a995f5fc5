"""Thin entry points: the CLI now; the HTTP API, web pages and scheduled jobs later."""
