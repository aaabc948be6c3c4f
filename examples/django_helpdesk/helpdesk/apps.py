"""The help desk app's configuration."""

from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    """The help desk app."""

    name = "helpdesk"
