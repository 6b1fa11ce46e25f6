"""The contracts service's two doors: the JSON API (``web.api``) and the coordinators' desk (``web.pages``)."""
