"""Policies: pure decisions over explicit inputs (eligibility, visibility)."""
