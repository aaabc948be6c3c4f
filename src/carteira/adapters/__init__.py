"""Adapters: implementations of the ports (in-memory now; SQL in a later release)."""
