"""The brokering service's JSON API, one module per resource group (each a tag of the API document)."""

from services.brokering.web.api import applications, disclosure_calculator, employers, job_seekers

BLUEPRINTS = [job_seekers.blp, employers.blp, applications.blp, disclosure_calculator.blp]
