"""The contracts service's pure rules: no database, no Flask."""
