"""The handover use cases: the daily rhythm of briefings, kept, sent, acknowledged and chased."""
