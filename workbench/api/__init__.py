"""The REST API under ``/workbench``: FastAPI routes that adapt HTTP to the engine's use cases."""
