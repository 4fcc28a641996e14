"""Docs are part of the change: every step, command and setting is documented."""

import re
from pathlib import Path

import click

from workbench.cli.main import cli
from workbench.engine.core.settings import Settings
from workbench.engine.core.steps.registry import step_names

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_step_has_a_section_with_a_yaml_example():
    text = (DOCS / "steps.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M))
    for name in step_names():
        assert name in sections, f"docs/steps.md has no section for {name}"
        assert f"type: {name}" in sections[name], f"the {name} section has no YAML example"


def _commands(group: click.Group, prefix: str = "workbench") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        full = f"{prefix} {name}"
        out += _commands(cmd, full) if isinstance(cmd, click.Group) else [full]
    return out


def test_every_command_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for command in _commands(cli):
        assert f"`{command}" in text, f"docs/cli.md does not document {command}"


def test_every_setting_is_documented():
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"WORKBENCH_{name.upper()}" in text
