"""The JSON door for a person's own notification preferences: read them, change some."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.notifications import preferences
from services.notifications.web import schemas
from shared.auth import current_principal, requires
from shared.service import db_session

blp = Blueprint("preferences", __name__, description="Each person's own notification preferences")


@blp.route("/preferences")
class Preferences(MethodView):
    @requires()
    @blp.response(200, schemas.Preferences)
    def get(self):
        """List every kind of notice with its label and your setting: email, site (a notice only) or digest."""
        return {"preferences": preferences.own(db_session(), current_principal().account_id)}

    @requires()
    @blp.arguments(schemas.PreferencesIn)
    @blp.response(200, schemas.Preferences)
    def patch(self, body):
        """Change how some kinds are told to you. An unknown kind, an essential kind, or digest for a kind
        that cannot wait a week is refused (422) and nothing is changed."""
        session = db_session()
        shown = preferences.change(session, current_principal().account_id, body["settings"])
        session.commit()
        return {"preferences": shown}
