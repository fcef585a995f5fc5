"""The `opsdesk` command line (Typer)."""
