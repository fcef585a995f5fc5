"""The handover: the daily rhythm of briefings between the support engineer and the on-call pair."""
