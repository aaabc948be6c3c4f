"""What carteira ships for testing: Hypothesis strategies (``carteira[testing]``)."""
