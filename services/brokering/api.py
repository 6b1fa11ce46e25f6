"""HTTP endpoints of the brokering service. Only health and the API document so far."""

BLUEPRINTS = []
