"""Job brokering: job seekers (skills first) and their confidential disclosure, shared with an employer only
with consent after a conditional offer; inclusive employers and their vacancies; matching; applications
moved on stage by stage; placements, their check-ins and the outcomes funders ask for."""
