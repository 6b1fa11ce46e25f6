"""The notifications service's JSON API, one module per resource group (each a tag of the API document)."""

from services.notifications.web.api import notices, preferences

BLUEPRINTS = [notices.blp, preferences.blp]
