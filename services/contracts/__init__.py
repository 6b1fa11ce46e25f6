"""The contracts service: buyers, contracts negotiated on the members' behalf round by round, the
members' approval of large ones, signature, the work allocated to member businesses, milestones,
invoices and each member's share."""
