"""Announcements: broadcasts to the update channel, forwarded to the ask channel, with a mention budget."""
