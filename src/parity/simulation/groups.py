"""The groups of access standards the run's figures are reported by."""

from __future__ import annotations

# The groups, in the order the figures list them.
GROUP_NAMES = ("urgent", "initial", "follow-up")

GROUPS = {
    "urgent": "urgent",
    "urgent-prior-auth": "urgent",
    "initial-therapy": "initial",
    "initial-psychiatry": "initial",
    "follow-up-therapy": "follow-up",
    # Plan-policy follow-up standards (psychiatrists; before SB 221): see the rule file.
    "follow-up-psychiatry": "follow-up",
    "follow-up-therapy-before-sb221": "follow-up",
}
