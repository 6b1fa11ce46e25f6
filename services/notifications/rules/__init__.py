"""The notifications service's pure rules: how money and moments are put in words."""
