"""Announcement use cases: announce, read, and the jobs that follow (promised updates, reminders)."""
