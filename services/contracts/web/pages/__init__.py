"""The contracts service's pages door: the coordinators' desk, outside the API document."""

from services.contracts.web.pages.desk import desk_blp

BLUEPRINTS = [desk_blp]
