"""Incidents: alarms in, routed by the cover at their moment, escalated, acted on, reported."""
