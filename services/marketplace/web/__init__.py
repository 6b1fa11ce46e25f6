"""The marketplace's two doors: the JSON API (``web.api``) and the pages for people (``web.pages``)."""
