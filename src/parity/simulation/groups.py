"""The groups of access standards the run's figures are reported by: each standard's
group is the rule file's `report_group` (AccessStandard.report_group)."""

from __future__ import annotations

from parity.adapters.rules_files import REPORT_GROUPS

# The groups, in the order the figures list them.
GROUP_NAMES = REPORT_GROUPS
