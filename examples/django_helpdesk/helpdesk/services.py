"""The help desk's use case: its own write and carteira's, in one transaction (ST-1, EV-1)."""

from carteira import Carteira, Principal
from carteira.adapters.sql import SqlStore
from django.db import transaction

from helpdesk.carteira_db import carteira_connection
from helpdesk.models import Conversation


def open_conversation(
    tenant: str, customer_id: str, department_id: str, subject: str
) -> Conversation:
    """Keep a new conversation and open its ticket in carteira: both, or neither (ST-1).

    The ticket's events (EV-1) are in carteira's outbox, committed with both. Whatever
    raises inside the block, a carteira refusal included, undoes the conversation too.
    """
    with transaction.atomic():
        conversation = Conversation.objects.create(
            tenant=tenant, customer_id=customer_id, subject=subject
        )
        with carteira_connection() as connection:
            carteira = Carteira(SqlStore(connection).unit_of_work)
            carteira.open_ticket(
                Principal.system(tenant), conversation.ticket_id, customer_id, department_id
            )
    return conversation
