"""The help desk app: conversations the host keeps, tickets carteira keeps, one transaction."""
