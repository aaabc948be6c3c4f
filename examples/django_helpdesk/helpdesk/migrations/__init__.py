"""The help desk's migrations; 0002 carries carteira's tables."""
