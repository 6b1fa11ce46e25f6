"""The members service's two doors: the JSON API (``api``) and the pages (``pages``)."""
