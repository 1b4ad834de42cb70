"""The unified read side: ticket records with their SLA, who may see what, API keys."""
