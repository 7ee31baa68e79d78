"""The pure domain core: no database, web, clock or environment in here."""
