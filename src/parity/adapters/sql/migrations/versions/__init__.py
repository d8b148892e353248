"""Revisions, oldest first: r0001 the tables, r0002 the booking guarantees, r0003 the
corrective-action plan, r0004 an index for in-person slot searches, r0005 a set-based
check of new slots against protected time on PostgreSQL."""
