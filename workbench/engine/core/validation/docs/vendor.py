"""Re-vendor the Data Docs assets from the npm registry: ``python -m workbench.engine.core.validation.docs.vendor``.

Run by a developer when GX (and so its CDN URLs) changes, never at run time: the assets are committed.
It writes ``npm/package.json`` from ``assets.CDN_ASSETS``, runs ``npm install`` in a scratch directory
(``npm ci`` when the committed lock matches), copies only the files the pages load into ``assets/``, plus
each package's licence, and refreshes ``npm/package-lock.json``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

from workbench.engine.core.validation.docs.assets import ASSETS_DIR, CDN_ASSETS, FONT_ASSETS, GX_ASSETS, npm_dependencies

NPM_DIR = Path(__file__).resolve().parent / "npm"
LICENSE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE")


def write_package_json() -> None:
    """package.json is generated so the Python map and the npm pins can never disagree."""
    manifest = {
        "name": "workbench-datadocs-assets",
        "private": True,
        "description": "Front-end files GX 1.24.1 Data Docs load from CDNs, vendored (see assets.py).",
        "dependencies": dict(sorted(npm_dependencies().items())),
    }
    (NPM_DIR / "package.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _install(work: Path) -> Path:
    shutil.copy(NPM_DIR / "package.json", work / "package.json")
    lock = NPM_DIR / "package-lock.json"
    if lock.is_file():
        shutil.copy(lock, work / "package-lock.json")
    # Peer-dependency ranges are irrelevant: only the packages' prebuilt dist files are used.
    command = "ci" if lock.is_file() else "install"
    args = ["npm", command, "--ignore-scripts", "--no-audit", "--no-fund", "--legacy-peer-deps"]
    if subprocess.run(args, cwd=work, check=False).returncode != 0 and command == "ci":
        subprocess.run(args[:1] + ["install"] + args[2:], cwd=work, check=True)
    shutil.copy(work / "package-lock.json", lock)
    return work / "node_modules"


def _copy_licenses(modules: Path) -> None:
    target = ASSETS_DIR / "licenses"
    target.mkdir(parents=True, exist_ok=True)
    for asset in CDN_ASSETS:
        slug = f"{asset.package}@{asset.version}".replace("/", "__")
        sources = [modules / asset.npm_name / name for name in LICENSE_NAMES]
        found = next((s for s in sources if s.is_file()), None)
        if found is not None:
            shutil.copyfile(found, target / f"{slug}.txt")
            continue
        # A few packages (popper.js 1.x, vega 5) ship no licence file: record the declared licence.
        meta = json.loads((modules / asset.npm_name / "package.json").read_text(encoding="utf-8"))
        repo = meta.get("repository")
        repo = repo.get("url") if isinstance(repo, dict) else repo
        text = (f"{asset.package} {asset.version}\nLicense (package.json): {meta.get('license')}\n"
                f"Repository: {repo}\nThe npm package ships no licence file; its terms are the repository's LICENSE, "
                f"under the SPDX identifier above.\n")
        (target / f"{slug}.txt").write_text(text, encoding="utf-8")


def vendor() -> None:
    """Replace ``assets/`` with fresh copies of exactly the files in the asset map."""
    write_package_json()
    notice = (ASSETS_DIR / "NOTICE.md").read_text(encoding="utf-8") if (ASSETS_DIR / "NOTICE.md").is_file() else None
    with tempfile.TemporaryDirectory() as tmp:
        modules = _install(Path(tmp))
        if ASSETS_DIR.exists():
            shutil.rmtree(ASSETS_DIR)
        for asset in CDN_ASSETS + FONT_ASSETS:
            target = ASSETS_DIR / asset.local
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(modules / asset.npm_name / asset.path, target)
        _copy_licenses(modules)
    gx_root = files("great_expectations")
    for rel, source in GX_ASSETS.items():
        (ASSETS_DIR / rel).parent.mkdir(parents=True, exist_ok=True)
        (ASSETS_DIR / rel).write_bytes(gx_root.joinpath(source).read_bytes())
    if notice is not None:
        (ASSETS_DIR / "NOTICE.md").write_text(notice, encoding="utf-8")


if __name__ == "__main__":
    vendor()
    sys.exit(0)
