"""Parity: timely-access mental-health scheduling that keeps protected indirect-patient-care time."""
