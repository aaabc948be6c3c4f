"""Services: the use cases, run through [`carteira.Carteira`][carteira.Carteira]."""
