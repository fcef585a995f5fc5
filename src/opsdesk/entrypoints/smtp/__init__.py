"""The critical-incident email intake over SMTP: the dialogue (handler.py) and the listener (listener.py)."""
