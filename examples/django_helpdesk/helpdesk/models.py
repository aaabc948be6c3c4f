"""The host's own model: a conversation, whose ticket carteira keeps."""

from django.db import models


class Conversation(models.Model):
    """A customer's conversation, as the help desk keeps it; its ticket is carteira's."""

    tenant = models.CharField(max_length=100)
    customer_id = models.CharField(max_length=100)
    subject = models.CharField(max_length=200)
    opened_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.subject} ({self.customer_id})"

    @property
    def ticket_id(self) -> str:
        """The id of the conversation's ticket in carteira."""
        return f"conversation-{self.pk}"
