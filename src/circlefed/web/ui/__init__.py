"""Web UI: server-rendered HTML pages."""
