"""What a briefing says, in order and in words, before any vendor writes it (email/briefing, slack/briefing)."""
