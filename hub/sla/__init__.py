"""Service levels on Indonesian working days: calendar, rules from data, per-ticket verdicts."""
