"""Make a page GX rendered work offline: local assets, no tracking image, links that fit our site layout.

GX's built-in templates load first in its Jinja loader, so template overrides cannot change the CDN
``<script>``/``<link>`` tags; rewriting the rendered HTML is the documented working fix (docs/datadocs.md).
Every rewrite here is an exact, known string from GX 1.24.1's templates; ``remote_references`` is the guard
that fails loudly if a GX upgrade adds one we do not know.
"""

from __future__ import annotations

import html
import re

from workbench.engine.validation.docs.assets import url_map

_SRI = re.compile(r"""\s+(?:integrity|crossorigin)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.I)
# The navbar logo: a remote image whose URL carries a timestamp and the data context id (a tracking pixel).
_TRACKING_IMG = re.compile(r"<img\b[^>]*\bsrc\s*=\s*\"https?://great-expectations-web-assets[^\"]*\"[^>]*>", re.I | re.S)
_REMOTE_CSS_URL = re.compile(r"""url\(\s*['"]?\s*(?:https?:)?//[^)]*\)""", re.I)
_FAVICON = re.compile(r'href="(?:\.\./|\./)*static/images/favicon\.ico"')
_HOME = re.compile(r'href="(?:\.\./)+index\.html"')
# The suite name links to an expectation-suite page this site does not build: keep the text, drop the link.
_SUITE_LINK = re.compile(r'<a href="(?:\.\./)*expectations/[^"]*"\s*>(.*?)</a>', re.S)
_NEWSLETTER = re.compile(r"<footer>\s*<p>Stay current on everything GX.*?</footer>", re.S)
_TITLE = re.compile(r"<title>.*?</title>", re.S)
_REMOTE_LOAD = re.compile(
    r"""<(script|link|img|iframe|source|video|audio|embed|object)\b[^>]*?\b(?:src|href|data)\s*=\s*["']?\s*"""
    r"""((?:https?:)?//[^"'\s>]*)""",
    re.I | re.S,
)
BRAND_HTML = '<span class="h5 m-0 text-body">Data Workbench &middot; QA</span>'


class RemoteAssetError(RuntimeError):
    """A generated page would still load something from the network (a GX change we do not handle yet)."""


def make_offline(page: str, *, static_prefix: str, home_href: str, title: str) -> str:
    """Rewrite one GX page for a site whose assets live under ``static_prefix``; ``title`` is plain text."""
    for url, local in url_map(static_prefix).items():
        page = page.replace(f'"{url}"', f'"{local}"')
    page = _SRI.sub("", page)
    page = _TRACKING_IMG.sub(BRAND_HTML, page)
    page = _REMOTE_CSS_URL.sub("none", page)
    page = _FAVICON.sub(f'href="{static_prefix}gx/favicon.ico"', page)
    page = _HOME.sub(f'href="{home_href}"', page)
    page = _SUITE_LINK.sub(r"\1", page)
    page = _NEWSLETTER.sub("", page)
    page = _TITLE.sub(f"<title>{html.escape(title)}</title>", page.replace("<title></title>", ""), count=1)
    check_offline(page)
    return page


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
