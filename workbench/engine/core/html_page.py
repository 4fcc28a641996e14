"""One HTML document shell for the pages the server writes itself, without Reflex: the Data Docs site (a run's
page and the index of runs), the API reference at ``/docs`` and the sign-in page at ``/login``.

The shell is the same everywhere (doctype, language, charset, viewport, title, icon, stylesheets, an optional
``<style>``, the body, then scripts); each caller brings its own body. The title and every URL are HTML-escaped
here; ``body`` and ``style`` are trusted markup built (and escaped) by the caller. No inline script is ever
written: scripts are files, so a strict Content-Security-Policy (``script-src 'self'``) holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

NO_ICON = "data:,"  # an empty icon: the browser asks for no /favicon.ico


def html_document(*, title: str, body: str, lang: str = "es", stylesheets: Iterable[str] = (),
                  icon: str = NO_ICON, style: str = "", scripts: Iterable[str] = ()) -> str:
    """A whole HTML page: ``title`` as text (escaped), ``stylesheets``/``icon``/``scripts`` as URLs (escaped),
    ``body`` and ``style`` as markup (the caller's, already escaped where it holds data)."""
    head = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f'<link rel="icon" href="{escape(icon, quote=True)}">',
        *(f'<link rel="stylesheet" href="{escape(href, quote=True)}">' for href in stylesheets),
    ]
    if style:
        head.append(f"<style>{style}</style>")
    tail = "".join(f'<script src="{escape(src, quote=True)}"></script>\n' for src in scripts)
    return (f'<!DOCTYPE html>\n<html lang="{escape(lang, quote=True)}">\n<head>\n' + "\n".join(head)
            + f"\n</head>\n<body>\n{body}\n{tail}</body>\n</html>\n")


__all__ = ["NO_ICON", "html_document"]
