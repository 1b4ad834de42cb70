"""The web console: server-rendered pages over hub.view for oversight, agencies, integrators."""
