"""Warnings: problems the user should know about that do not stop a preview or a run.

A warning is data, like an error (``errors.py``): an English message for the CLI, the API and the logs, and a
Spanish one for the web, both written where the warning is made (the words of a sentence differ by language,
so a translation cannot be bolted on later). Previews and runs carry the two lists side by side:
``warnings`` (English) and ``warnings_es``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True)
class Notice:
    """One warning in both languages; ``str()`` is the English message (what the CLI prints)."""

    message: str
    message_es: str

    def __str__(self) -> str:
        return self.message


def reading_notice(issue: dict[str, Any]) -> Notice:
    """A reader's issue (``RawGrid.issues``: a dict with ``message`` and ``message_es``) as a warning."""
    return Notice(issue["message"], issue["message_es"])


def more_reading_issues(count: int) -> Notice:
    """The line that stands for the reading issues not listed one by one."""
    return Notice(f"... and {count} more reading issues",
                  f"... y {count} problema{'' if count == 1 else 's'} de lectura más")


def split(notices: Iterable[Notice]) -> tuple[list[str], list[str]]:
    """(English messages, Spanish messages), in the same order."""
    listed = list(notices)
    return [n.message for n in listed], [n.message_es for n in listed]


__all__ = ["Notice", "more_reading_issues", "reading_notice", "split"]
