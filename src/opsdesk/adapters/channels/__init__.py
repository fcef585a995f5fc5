"""Channels: the ways a message leaves opsdesk (log, Slack, email, signed webhook), behind one port."""
