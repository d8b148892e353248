"""Entry points: the CLI (and, later, the FHIR API and the pages)."""
