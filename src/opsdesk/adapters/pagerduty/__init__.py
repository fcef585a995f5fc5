"""PagerDuty: alarms in through its Events API v2, and pages out through PagerDuty for teams that keep it."""
