"""The domain: entities, value objects, events and errors. Imports nothing but attrs."""
