"""The example help desk's Django project."""
