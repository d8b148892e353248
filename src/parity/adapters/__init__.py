"""Adapters at the edge: storage, rule files, clocks, FHIR mapping."""
