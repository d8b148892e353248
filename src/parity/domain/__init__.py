"""The rules, pure: this package imports only the standard library (an import-linter contract)."""
