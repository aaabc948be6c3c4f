"""Settings of the example help desk: one app, on PostgreSQL.

The database comes from libpq's environment, as ``psql`` reads it: ``PGHOST``, ``PGPORT``,
``PGUSER``, ``PGPASSWORD``, ``PGDATABASE`` (default ``helpdesk``) and ``PGOPTIONS`` (for
instance ``-c search_path=helpdesk``). carteira's tables live in the same database, and
its writes in the same transactions, as the app's (docs/django.md).
"""

import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "an example's key: set DJANGO_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS: list[str] = []
INSTALLED_APPS = ["helpdesk"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("PGDATABASE", "helpdesk"),
    }
}
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
