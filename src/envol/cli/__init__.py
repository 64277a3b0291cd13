"""The `envol` command: a thin layer over the services."""
