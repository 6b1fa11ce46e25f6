"""The outside systems the members service talks to: the ballot box's inlet (a durable queue)."""
