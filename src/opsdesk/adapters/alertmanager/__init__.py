"""Alertmanager: alert groups arriving by its webhook."""
