"""One state per feature: thin adapters from an input to one engine call to view-ready rows."""
