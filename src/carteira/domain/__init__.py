"""The domain: aggregates that decide, value objects, events, refusals and errors.

It imports nothing but the standard library and attrs; the two deprecated doors
(`carteira.domain.dataset`, `carteira.domain.cells`) open onto `carteira.spreadsheets`.
"""
