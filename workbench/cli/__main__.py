"""``python -m workbench.cli``: how workers and the supervisor start the command (``-m workbench.cli worker``)."""

from workbench.cli.main import main

if __name__ == "__main__":  # imported, not run, by tools that walk the package (tests/unit/test_error_kinds.py)
    main()
