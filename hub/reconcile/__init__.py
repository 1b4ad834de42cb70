"""The two-way sync: statuses and follow-ups both ways, conflict policy, write-back, officers."""
