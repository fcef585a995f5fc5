"""AWS: CloudWatch alarms arriving through SNS, their signatures verified."""
