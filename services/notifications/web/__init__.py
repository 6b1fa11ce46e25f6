"""The notifications service's two doors: the JSON API (api/) and the pages for people (pages/)."""
