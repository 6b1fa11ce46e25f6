"""The JSON door for a person's own notices: list them, count the unread, mark one read."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.notifications import notices
from services.notifications.web import schemas
from shared.auth import current_principal, requires
from shared.http import paginate
from shared.service import db_session

blp = Blueprint("notices", __name__, description="Each person's own notices")


@blp.route("/notices")
class Notices(MethodView):
    @requires()
    @blp.response(200, schemas.Notice(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List your notices, unread first, then newest first."""
        query = notices.own_notices_query(current_principal().account_id)
        return paginate(db_session(), query, pagination_parameters)


@blp.route("/notices/unread-count")
class UnreadCount(MethodView):
    @requires()
    @blp.response(200, schemas.UnreadCount)
    def get(self):
        """Count your unread notices (what a page header shows)."""
        return {"unread": notices.unread_count(db_session(), current_principal().account_id)}


@blp.route("/notices/<int:notice_id>/read")
class ReadNotice(MethodView):
    @requires()
    @blp.response(200, schemas.Notice)
    def post(self, notice_id):
        """Mark one of your notices read (someone else's is not found)."""
        session = db_session()
        notice = notices.mark_read(session, current_principal().account_id, notice_id)
        session.commit()
        return notice
