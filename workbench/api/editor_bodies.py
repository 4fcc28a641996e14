"""The rule editor's request bodies (``api/routes/editor.py``): strict and bounded, so that a malformed edit is a
422 here and never reaches the engine; each edit operation is one model of a discriminated union."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from workbench.api.deps import MAX_INT

#: A dataset slug, as specs name them (``dataset.slug``).
SLUG = r"^[a-z][a-z0-9_]{1,62}$"
SHA256 = r"^[0-9a-f]{64}$"
Layer = Literal["bronze", "silver", "gold"]
#: The spec-level sections an edit replaces whole (the catalogue's sections; a test checks they agree).
Section = Literal["dataset", "source", "parameters", "exposures", "expectations", "publication", "automation"]
#: A step's 0-based position: a spec has at most 500 steps (the loader's limit), so anything above is refused here.
MAX_STEP_INDEX = 1000
StepIndex = Annotated[int, Field(ge=0, le=MAX_STEP_INDEX)]
#: Free-form JSON in a body (a step, a section, source options) as compact JSON, and its nesting.
MAX_JSON_BYTES = 256 * 1024
MAX_JSON_DEPTH = 32
#: The spec loader's own limit on a whole spec (``MAX_SPEC_BYTES``); characters here, bytes there.
MAX_YAML_CHARS = 1_000_000
Label = Annotated[str, StringConstraints(min_length=1, max_length=255)]
#: Columns named in a new spec's choices, entries of its mappings, run parameters.
MAX_COLUMNS = 500
MAX_PARAMS = 50
#: A workbook sheet's name (Excel allows 31 characters; other formats more) or 0-based index.
MAX_SHEET_CHARS = 255
SheetName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SHEET_CHARS)]
SheetIndex = Annotated[int, Field(ge=0, le=10_000)]


def _depth(value: Any, level: int = 1) -> int:
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


def _bounded(value: Any) -> Any:
    """Free-form JSON refused when it is huge, deeply nested or holds a non-finite number (NaN, Infinity)."""
    if _depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        size = len(json.dumps(value, allow_nan=False, ensure_ascii=False))
    except ValueError:
        raise ValueError("numbers must be finite (no NaN or Infinity)") from None
    if size > MAX_JSON_BYTES:
        raise ValueError(f"larger than {MAX_JSON_BYTES} characters of JSON")
    return value


Params = Annotated[dict[Label, Union[Annotated[str, StringConstraints(max_length=1000)],
                                     Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]]],
                   Field(max_length=MAX_PARAMS, description="Run parameters (as a run takes them), e.g. "
                                                            '{"anio": 2017}.')]


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


# --- edit operations (engine: core/spec/yaml_doc.apply_edit) -------------------------------------------------

class EditStep(BaseModel):
    """A step as a spec writes it: its ``type`` (one of ``GET /workbench/editor/catalog``'s step types) and its
    options. The engine validates the options against the step's model."""

    model_config = ConfigDict(strict=True, extra="allow", json_schema_extra={"example": {
        "type": "map_categories", "column": "moneda", "mapping": {"P": "CLP", "D": "USD"}}})

    type: str = Field(pattern=r"^[a-z][a-z_]{0,39}$", description="Step type, e.g. map_categories.")


def _step_bounded(step: EditStep) -> EditStep:
    _bounded(step.model_dump())
    return step


BoundedStep = Annotated[EditStep, AfterValidator(_step_bounded)]


class AddStep(_Body):
    op: Literal["add_step"]
    layer: Layer
    index: StepIndex | None = Field(None, description="Position (0-based) of the new step; default: the end.")
    step: BoundedStep


class UpdateStep(_Body):
    op: Literal["update_step"]
    layer: Layer
    index: StepIndex
    step: BoundedStep = Field(description="The whole step (options left out take their defaults).")


class MoveStep(_Body):
    op: Literal["move_step"]
    layer: Layer
    index: StepIndex
    to: StepIndex = Field(description="The step's new 0-based position in its layer.")


class DeleteStep(_Body):
    op: Literal["delete_step"]
    layer: Layer
    index: StepIndex


class ToggleStep(_Body):
    op: Literal["toggle_step"]
    layer: Layer
    index: StepIndex
    disabled: bool = Field(True, description="Switch the step off (true) or on again (false).")


class SetSection(_Body):
    op: Literal["set_section"]
    section: Section
    value: Annotated[dict[str, Any] | list[Any] | None, AfterValidator(_bounded)] = Field(
        description="The section as plain data (`exposures` is a list); null or empty removes an optional one.")


class ReplaceYaml(_Body):
    op: Literal["replace_yaml"]
    text: str = Field(min_length=1, max_length=MAX_YAML_CHARS, description="The whole spec as YAML.")


EditOp = Annotated[Union[AddStep, UpdateStep, MoveStep, DeleteStep, ToggleStep, SetSection, ReplaceYaml],
                   Field(discriminator="op")]


class DraftEdit(_Body):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"example": {
        "op": {"op": "add_step", "layer": "bronze", "step": {"type": "map_categories", "column": "moneda",
                                                              "mapping": {"P": "CLP"}, "unmapped": "keep"}},
        "revision": 3}})

    op: EditOp
    revision: int | None = Field(None, ge=0, le=MAX_INT, description="The draft's revision this edit was made on: "
                                 "a newer save (another tab) refuses it with 409 `draft-conflict`. Null: no check.")


# --- other bodies ---------------------------------------------------------------------------------------------

class NewDraft(_Body):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"example": {
        "dataset": "dipres_ejecucion", "fresh": False}})

    dataset: str = Field(pattern=SLUG, description="Dataset slug.")
    fresh: bool = Field(False, description="Always a new draft (default: your open draft of the dataset, if any).")


class SourceChoice(BaseModel):
    """Source options as a spec's `source:` writes them (docs/spec.md); the engine validates them."""

    model_config = ConfigDict(strict=True, extra="allow", json_schema_extra={"example": {
        "format": "xlsx", "sheet": "Reporte", "header": {"find": ["Subt.", "Ítem", "Asig."]}}})

    header: dict[str, Any] | None = Field(None, description="How to find the header row, e.g. "
                                          '{"find": ["Subt.", "Ítem"]} or {"row": 7}.')


def _source_bounded(source: SourceChoice) -> SourceChoice:
    _bounded(source.model_dump(exclude_unset=True))
    return source


class DraftFromFile(_Body):
    """A new dataset's first draft from the analyst's choices over ``POST /workbench/editor/proposal``. Columns
    are named by their labels in the file (``Subt.``), as the proposal lists them in ``columns[].name``."""

    sha256: str = Field(pattern=SHA256, description="The proposed file (the proposal's `sha256`).")
    filename: Label = Field(description="The file's name (parameters may come from it).")
    slug: str = Field(pattern=SLUG, description="The new dataset's slug (its spec becomes specs/<slug>.yaml).")
    title: str = Field(min_length=1, max_length=200, description="The dataset's title.")
    keys: list[Label] = Field(min_length=1, max_length=MAX_COLUMNS, description="Key columns (labels).")
    measures: list[Label] = Field(default_factory=list, max_length=MAX_COLUMNS,
                                  description="Amount columns, melted into medida/monto in silver (labels).")
    types: dict[Label, Literal["text", "int", "float", "decimal", "date", "bool"]] = Field(
        default_factory=dict, max_length=MAX_COLUMNS,
        description="Label -> type (default: keys text, measures decimal).")
    names: dict[Label, Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]{0,62}$")]] = Field(
        default_factory=dict, max_length=MAX_COLUMNS, description="Label -> column name (default: its snake_case).")
    drop: list[Label] = Field(default_factory=list, max_length=MAX_COLUMNS, description="Columns left out (labels).")
    source: Annotated[SourceChoice, AfterValidator(_source_bounded)] | None = Field(
        None, description="Source options (default: the proposal's `source`).")
    sheet: SheetIndex | SheetName | None = Field(
        None, description="Workbook sheet: name or 0-based index (default: the one the proposal read).")
    params: Params = Field(default_factory=dict)


class DraftFromDrift(_Body):
    """A draft of a dataset whose first edit is the layout-drift patch proposed for a stored file."""

    dataset: str = Field(pattern=SLUG, description="The dataset whose spec the file drifted from.")
    sha256: str = Field(pattern=SHA256, description="The drifted file, already stored (an upload or a run's file).")
    filename: Label = Field(description="The file's name (parameters may come from it).")
    sheet: SheetIndex | SheetName | None = Field(None, description="Workbook sheet: name or 0-based index.")
    params: Params = Field(default_factory=dict)


class DraftSample(_Body):
    sha256: str = Field(pattern=SHA256, description="A stored file: an upload (`POST /workbench/editor/proposal` "
                        "keeps it) or one of `GET /workbench/drafts/{draft_id}/sample-files`.")
    filename: Label = Field(description="The file's name (parameters may come from it).")
    params: Params = Field(default_factory=dict)


class DraftPublication(_Body):
    revision: int | None = Field(None, ge=0, le=MAX_INT, description="The revision you reviewed: a newer edit "
                                 "refuses publication (409 `draft-conflict`). Null: no check.")
    force: bool = Field(False, description="Publish although the dataset's current version changed since the draft "
                        "was made (review the diff first).")


class SampleFile(BaseModel):
    sha256: str
    filename: str | None
    bytes: int | None
    used_at: datetime | None
    params: dict[str, Any]
