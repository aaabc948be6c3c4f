"""The help desk's own table: conversations (made by ``makemigrations``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    """Create the Conversation model."""

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Conversation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("tenant", models.CharField(max_length=100)),
                ("customer_id", models.CharField(max_length=100)),
                ("subject", models.CharField(max_length=200)),
                ("opened_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
