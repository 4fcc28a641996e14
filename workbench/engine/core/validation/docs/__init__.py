"""Offline, per-run Data Docs: GX's validation pages for one run, with vendored assets and a cheap site index.

Importing this package does not import great_expectations; ``build_run_docs`` does, on first call.
"""

from workbench.engine.core.validation.docs.build import (
    RunDocsNotFoundError,
    build_run_docs,
    open_run_docs,
    run_page_path,
)
from workbench.engine.core.validation.docs.offline import RemoteAssetError

__all__ = ["RemoteAssetError", "RunDocsNotFoundError", "build_run_docs", "open_run_docs", "run_page_path"]
