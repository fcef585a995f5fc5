"""Slack: posts, pages and direct messages through the Web API, and how each notice reads there."""
