"""Email: pages and direct messages over SMTP, and how each reads as an email."""
