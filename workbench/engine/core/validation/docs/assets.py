"""The vendored front-end assets of GX 1.24.1 Data Docs, and their one copy per site.

GX's page templates load Bootstrap, jQuery, popper, bootstrap-table, datepicker, Font Awesome and vega from
public CDNs. Offline (and for privacy) we ship the very same versions inside the package, laid out as
``assets/<npm package>@<version>/<path in the package>``, and rewrite the CDN URLs to those paths.
``CDN_ASSETS`` is the single source of truth: ``vendor.py`` copies exactly these files from npm, and
``offline.py`` rewrites exactly these URLs. A GX upgrade that changes a URL is caught by the offline test.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
STATIC_DIRNAME = "static"
STAMP_FILENAME = ".assets-version"


@dataclass(frozen=True)
class Asset:
    """One file GX's templates load from a CDN, and where the same bytes come from on npm."""

    url: str
    package: str  # npm package name
    version: str
    path: str  # path inside the npm package
    alias: str = ""  # npm alias when a second version of the same package is needed

    @property
    def npm_name(self) -> str:
        """Directory under node_modules/ (the alias, if any)."""
        return self.alias or self.package

    @property
    def local(self) -> str:
        """Path under ``assets/`` (and under the site's ``static/``)."""
        return f"{self.package}@{self.version}/{self.path}"


def _a(url: str, package: str, version: str, path: str, alias: str = "") -> Asset:
    return Asset(url, package, version, path, alias)


# Floating CDN tags (vega@5, vega-lite@5, vega-embed@6) are pinned to what they resolved to when vendored.
CDN_ASSETS: tuple[Asset, ...] = (
    _a("https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css",
       "bootstrap", "4.3.1", "dist/css/bootstrap.min.css"),
    _a("https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js",
       "bootstrap", "4.3.1", "dist/js/bootstrap.min.js"),
    _a("https://code.jquery.com/jquery-3.7.1.min.js", "jquery", "3.7.1", "dist/jquery.min.js"),
    _a("https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js",
       "popper.js", "1.12.9", "dist/umd/popper.min.js"),
    _a("https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
       "bootstrap-table", "1.19.1", "dist/bootstrap-table.min.css"),
    _a("https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
       "bootstrap-table", "1.19.1", "dist/bootstrap-table.min.js"),
    _a("https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
       "bootstrap-table", "1.19.1", "dist/extensions/filter-control/bootstrap-table-filter-control.min.js"),
    _a("https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css",
       "bootstrap-table", "1.19.0", "dist/extensions/filter-control/bootstrap-table-filter-control.css",
       "bootstrap-table-1.19.0"),
    _a("https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
       "bootstrap-table", "1.19.0", "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
       "bootstrap-table-1.19.0"),
    _a("https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css",
       "bootstrap-datepicker", "1.9.0", "dist/css/bootstrap-datepicker.min.css"),
    _a("https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js",
       "bootstrap-datepicker", "1.9.0", "dist/js/bootstrap-datepicker.min.js"),
    _a("https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css",
       "@forevolve/bootstrap-dark", "1.1.0", "dist/css/bootstrap-prefers-dark.css"),
    _a("https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css",
       "@fortawesome/fontawesome-free", "6.6.0", "css/all.min.css"),
    _a("https://cdn.jsdelivr.net/npm/vega@5", "vega", "5.33.1", "build/vega.min.js"),
    _a("https://cdn.jsdelivr.net/npm/vega-lite@5", "vega-lite", "5.23.0", "build/vega-lite.min.js"),
    _a("https://cdn.jsdelivr.net/npm/vega-embed@6", "vega-embed", "6.29.0", "build/vega-embed.min.js"),
)

# Files the CSS above loads by relative url(): Font Awesome's webfonts (woff2, with ttf as its fallback).
_FA = ("@fortawesome/fontawesome-free", "6.6.0")
FONT_ASSETS: tuple[Asset, ...] = tuple(
    _a("", *_FA, f"webfonts/fa-{name}.{ext}")
    for name in ("brands-400", "regular-400", "solid-900", "v4compatibility")
    for ext in ("woff2", "ttf")
)

# Local files from the installed GX package itself (Apache-2.0): the favicon its templates link to.
GX_ASSETS: dict[str, str] = {"gx/favicon.ico": "render/view/static/images/favicon.ico"}



def npm_dependencies() -> dict[str, str]:
    """The ``dependencies`` of npm/package.json: exact versions, aliases as ``npm:name@version``."""
    return {a.npm_name: (f"npm:{a.package}@{a.version}" if a.alias else a.version) for a in CDN_ASSETS}


def url_map(static_prefix: str) -> dict[str, str]:
    """CDN URL -> the same file under ``static_prefix`` (e.g. ``../../static/``)."""
    return {a.url: f"{static_prefix}{a.local}" for a in CDN_ASSETS}


def asset_files() -> list[str]:
    """Every file under ``assets/`` a page may load, relative to ``assets/``."""
    return [a.local for a in CDN_ASSETS + FONT_ASSETS] + list(GX_ASSETS)


def _assets_version() -> str:
    """Changes whenever the vendored set changes, so an existing site's ``static/`` is refreshed once."""
    return hashlib.sha256("\n".join(sorted(asset_files())).encode()).hexdigest()[:16]


def install_static(out_dir: Path) -> Path:
    """Copy the assets to ``out_dir/static`` once per site (not per run); cheap when already there.

    A copy, not a symlink: the site must keep working when zipped, served elsewhere or when the venv moves.
    """
    static = out_dir / STATIC_DIRNAME
    stamp = static / STAMP_FILENAME
    version = _assets_version()
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == version:
        return static
    for rel in asset_files():
        target = static / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ASSETS_DIR / rel, target)
    stamp.write_text(version, encoding="utf-8")
    return static
