"""Twilio: pages by SMS and by voice call."""
