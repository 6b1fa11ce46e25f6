"""The notifications pages for people, rendered on the server under /notifications.

Every page hangs on the one ``notifications`` blueprint (``site.py``); each module below adds its
group's routes to it.
"""

from services.notifications.web.pages import notices
from services.notifications.web.pages.site import notifications_blp

PAGE_GROUPS = (notices,)
BLUEPRINTS = [notifications_blp]
