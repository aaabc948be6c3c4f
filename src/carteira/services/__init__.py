"""Services: the use cases, run through :class:`carteira.Carteira`."""
