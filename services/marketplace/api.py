"""HTTP endpoints of the marketplace service. Only health and the API document so far."""

BLUEPRINTS = []
