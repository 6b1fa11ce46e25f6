"""The notifications pages for people, rendered on the server under /notifications.

Every page hangs on the one ``notifications`` blueprint (``site.py``); each module below adds its
group's routes to it.
"""

from services.notifications.web.pages import notices, preferences
from services.notifications.web.pages.site import notifications_blp
from services.notifications.web.pages.unsubscribe import unsubscribe_blp

PAGE_GROUPS = (notices, preferences)
BLUEPRINTS = [notifications_blp, unsubscribe_blp]
