"""carteira's tables in the help desk's migration history (docs/django.md, ST-8).

``upgrade`` creates carteira's tables and indexes and records carteira's schema version, in
this migration's transaction, through Django's own connection. A later carteira's schema
comes in a later migration calling the same ``upgrade``. Backwards, every carteira table is
dropped, with its records.
"""

from carteira.adapters.sql import metadata, upgrade
from django.db import migrations

from helpdesk.carteira_db import carteira_connection


def create_carteira_tables(apps, schema_editor):
    """Create carteira's tables at this carteira's schema version and record it."""
    with carteira_connection(schema_editor.connection.alias) as connection:
        upgrade(connection)


def drop_carteira_tables(apps, schema_editor):
    """Drop every table of carteira, its schema version's included."""
    with carteira_connection(schema_editor.connection.alias) as connection:
        metadata.drop_all(connection)


class Migration(migrations.Migration):
    """carteira's schema, after the help desk's own tables."""

    dependencies = [("helpdesk", "0001_initial")]

    operations = [migrations.RunPython(create_carteira_tables, drop_carteira_tables)]
