"""The notifications service: tells each person what needs them, by email and on the site."""
