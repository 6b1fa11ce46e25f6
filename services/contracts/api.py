"""HTTP endpoints of the contracts service. Only health and the API document so far."""

BLUEPRINTS = []
