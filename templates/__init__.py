"""Templates: jinja2 templates for the server-rendered web UI."""
