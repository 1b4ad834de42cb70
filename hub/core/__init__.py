"""The hub's base: the canonical ticket model, typed settings, secrets and connector factories."""
