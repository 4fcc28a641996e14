"""The tools hub: which optional external tools are configured (read from the settings at page load)."""

from __future__ import annotations

import reflex as rx

from workbench.engine.api import get_settings


class ToolsState(rx.State):
    pgadmin_url: str = ""

    @rx.event
    def load(self):
        self.pgadmin_url = get_settings().pgadmin_url or ""
