"""The brokering service's pure rules: no database, no Flask."""
