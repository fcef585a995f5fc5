"""Alarm formats from outside (PagerDuty Events API v2, Alertmanager, CloudWatch through SNS), read into alarms."""
