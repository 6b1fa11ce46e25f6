"""The members service: accounts and signing in, membership (one member, one vote), and governance
(proposals, secret ballots, proxies); the members' record and the coordinators' impact report."""
