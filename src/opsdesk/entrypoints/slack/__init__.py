"""The Slack app: Bolt for Python over HTTP, answering the slash command, and the incident and briefing buttons."""
