"""The spec model: one YAML file per dataset says how a RAW file becomes bronze, silver (and gold) tables.

Every model forbids unknown keys, so a typo fails at load with its line number instead of being ignored.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.engine.core.spec.automation import Automation
from workbench.engine.core.spec.exposures import Exposure
from workbench.engine.core.spec.publication import Publication
from workbench.engine.core.spec.source import SourceOptions
from workbench.engine.core.steps.registry import AnyStep
from workbench.engine.core.validation.models import ExpectationsByLayer

LAYERS = ("bronze", "silver", "gold")
SLUG_RE = r"^[a-z][a-z0-9_]{1,62}$"


class DatasetInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=SLUG_RE, description="Identifier; must equal the spec file's stem.")
    title: str = Field(min_length=1, description="Human title, shown in the UI (Spanish).")
    description: str = Field(default="", description="What the dataset is and where it comes from.")
    owner: str = Field(default="", description="Team or person responsible for the spec.")


class Parameter(BaseModel):
    """A run parameter: given on the command line (`--param k=v`), in the UI, or taken from the file name."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["text", "int"] = Field(default="text", description="How the value is typed.")
    description: str = Field(default="", description="Shown next to the input in the UI.")
    required: bool = Field(default=True, description="A run without it fails before reading the file.")
    default: str | int | None = Field(default=None, description="Used when the run does not give a value.")
    from_filename: str | None = Field(
        default=None,
        description="Regex searched in the uploaded file's name; its first group (or only named group) is the value.",
    )
    minimum: int | None = Field(default=None, description="For int parameters: smallest allowed value.")
    maximum: int | None = Field(default=None, description="For int parameters: largest allowed value.")
    choices: list[str] | None = Field(default=None, description="Allowed values.")

    @field_validator("from_filename")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from exc
        return value


class Spec(BaseModel):
    """A dataset spec. ``layers`` run in order (bronze, silver, gold); each is a list of steps applied to
    the previous layer's output (bronze starts from the RAW table)."""

    model_config = ConfigDict(extra="forbid")

    dataset: DatasetInfo
    source: SourceOptions = Field(default_factory=SourceOptions)
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    layers: dict[Literal["bronze", "silver", "gold"], list[AnyStep]] = Field(
        description="Steps per layer. `bronze` is required; `silver` and `gold` are optional."
    )
    exposures: list[Exposure] = Field(
        default_factory=list, description="Consumers of the published table (dashboards, reports, applications): "
        "exported to dbt's exposures.yml and drawn downstream of the gold table on the lineage graph.")
    expectations: ExpectationsByLayer = Field(
        default_factory=dict,
        description="Quality expectations per layer: each a flat mapping with `type` (a GX core expectation or a "
        "custom check), its kwargs, and optional `severity`, `mostly`, `id`, `description` (see docs/quality.md).",
    )
    publication: Publication | None = Field(
        default=None, description="The published (gold) table: columns with comments, business key, partitions "
        "(see docs/publication.md).")
    automation: Automation | None = Field(
        default=None,
        description="Runs without a person: an inbox folder, a cron schedule (see docs/automation.md). Not part of "
        "the content hash: it says when runs happen, not what they compute.",
    )

    @model_validator(mode="after")
    def _layers(self) -> "Spec":
        if "bronze" not in self.layers:
            raise ValueError("`layers` must define `bronze`")
        if "gold" in self.layers and "silver" not in self.layers:
            raise ValueError("`gold` needs `silver`")
        if self.publication and self.publication.layer not in self.layers:
            raise ValueError(f"`publication.layer` is {self.publication.layer!r}, which `layers` does not define")
        for name in self.parameters:
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                raise ValueError(f"parameter name {name!r} must be lowercase snake_case")
        return self

    @property
    def slug(self) -> str:
        return self.dataset.slug

    @property
    def layer_names(self) -> list[str]:
        return [name for name in LAYERS if name in self.layers]

    def content_hash(self) -> str:
        """sha256 of the normalised spec: comments and formatting do not change it, any rule does."""
        # `automation` says when runs happen, not what they compute: never part of the hash
        data = self.model_dump(mode="json", by_alias=True, exclude={"automation"})
        for block in OPTIONAL_BLOCKS:  # a spec without the block hashes as it did before the block existed
            if not data.get(block):
                data.pop(block, None)
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


#: Spec sections added after specs were first stored: left out of the content hash when absent or empty.
OPTIONAL_BLOCKS = ("publication", "exposures")


def json_schema() -> dict[str, Any]:
    """The spec's JSON Schema, for editors (yaml-language-server) and docs."""
    schema = Spec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Data Workbench dataset spec"
    return schema
