"""The offline guarantee of Data Docs pages: nothing is loaded from the network.

Our pages (render.py, index_page.py) load only the vendored assets under ``static/``; ``check_offline`` is the
guard every page passes before it is written, so a change that adds a remote script, stylesheet, image or CSS
``url(...)`` fails the build loudly instead of shipping a page that phones home or renders unstyled offline.
"""

from __future__ import annotations

import re

_REMOTE_CSS_URL = re.compile(r"""url\(\s*['"]?\s*(?:https?:)?//[^)]*\)""", re.I)
_REMOTE_LOAD = re.compile(
    r"""<(script|link|img|iframe|source|video|audio|embed|object)\b[^>]*?\b(?:src|href|data)\s*=\s*["']?\s*"""
    r"""((?:https?:)?//[^"'\s>]*)""",
    re.I | re.S,
)


class RemoteAssetError(RuntimeError):
    """A generated page would still load something from the network."""


def remote_references(page: str) -> list[str]:
    """URLs a browser would fetch from the network to show ``page`` (links the user clicks are not loads)."""
    found = [m.group(2) for m in _REMOTE_LOAD.finditer(page)]
    found += _REMOTE_CSS_URL.findall(page)
    return found


def check_offline(page: str) -> None:
    """Raise rather than ship a page that phones home or renders unstyled without a network."""
    remote = remote_references(page)
    if remote:
        raise RemoteAssetError(f"page still loads remote resources: {sorted(set(remote))}")
