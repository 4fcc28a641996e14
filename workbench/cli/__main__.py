"""``python -m workbench.cli``: how workers and the supervisor start the command (``-m workbench.cli worker``)."""

from workbench.cli.main import main

main()
