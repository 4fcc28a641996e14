"""The tools hub: which optional external tools are configured (read from the settings at page load, for a
signed-in user only)."""

from __future__ import annotations

import reflex as rx

from workbench.engine import api
from workbench.engine.api import get_settings
from workbench.state.auth import acting, principal_of


class ToolsState(rx.State):
    pgadmin_url: str = ""

    @rx.event
    def load(self):
        if principal_of(self) is None:  # anonymous or ended session: nothing (AuthState.check sends to sign in)
            self.pgadmin_url = ""
            return
        with acting(self):
            api.require("read")
            self.pgadmin_url = get_settings().pgadmin_url or ""
