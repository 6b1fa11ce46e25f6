"""The members service's pure rules, with no database and no Flask: the password policy, voting and
quorum, and the impact report's figures."""
