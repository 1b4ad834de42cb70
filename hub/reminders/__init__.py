"""SLA reminders and escalation: find at-risk and late tickets, record, deliver, announce."""
