"""The notifications service's JSON API, one module per resource group (each a tag of the API document)."""

from services.notifications.web.api import notices

BLUEPRINTS = [notices.blp]
