"""The brokering pages for people, rendered on the server under /jobs: one module per page group.

They call the same use cases as the API. An employer's pages show a disclosure only on the page of one
application, after a conditional offer, with the job seeker's consent; the reading is logged. Every
page hangs on the one ``jobs`` blueprint (``site.py``); each module below adds its group's routes to it.
"""

from services.brokering.web.pages import applications, calculator, coordinators, employers, job_seekers
from services.brokering.web.pages.site import jobs_blp

PAGE_GROUPS = (job_seekers, employers, applications, coordinators, calculator)
BLUEPRINTS = [jobs_blp]
