"""Connectors to the platforms. Only ``platforms/<name>/`` speaks a platform's wire format."""
