"""One function per use case; each opens its unit of work and commits or rolls back."""
