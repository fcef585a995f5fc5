"""Incident use cases: alarms in, routed, paged and escalated through jobs, acted on by people, reported."""
