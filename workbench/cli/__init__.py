"""The ``workbench`` command (click): commands in ``main``, ``db``, ``jobs`` and ``users``, terminal rendering in
``render``; an adapter that imports the engine only through ``workbench.engine.api``."""
