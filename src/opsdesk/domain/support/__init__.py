"""Support requests: the board, triage and the support-hours targets."""
