"""One run's validation page, rendered by GX's own renderer and view (as GX's site builder does).

This module imports great_expectations at the top and is therefore only ever imported lazily, from inside
``build.build_run_docs`` (GX costs ~2-3 s to import; the web app and CLI must not pay it).

Three deliberate departures from GX's defaults, each with its reason:
- all layers of a run go on one page: GX renders each layer's result, and their sections are concatenated
  after a run summary, so a run has one stable URL;
- results are escaped on the way in (``sanitize.py``) and GX's per-parameter escape is switched off, because
  GX 1.24.1 leaves column names, descriptions and unexpected values unescaped;
- expectation types GX does not know in this process (custom expectations whose module was not imported)
  render with GX's generic ``type(**kwargs)`` text instead of raising ``ExpectationNotFoundError``.
"""

from __future__ import annotations

import html
from typing import Any, Mapping

from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
    expectationSuiteValidationResultSchema,
)
from great_expectations.exceptions import ExpectationNotFoundError
from great_expectations.expectations.expectation import Expectation
from great_expectations.render import (
    RenderedDocumentContent,
    RenderedHeaderContent,
    RenderedSectionContent,
    RenderedStringTemplateContent,
    RenderedTableContent,
)
from great_expectations.render.renderer import ValidationResultsPageRenderer
from great_expectations.render.renderer.content_block.validation_results_table_content_block import (
    ValidationResultsTableContentBlockRenderer,
)
from great_expectations.render.view import DefaultJinjaPageView

from workbench.engine.validation.docs.sanitize import escape_strings

RENDERER_TYPE = "ValidationResultsPageRenderer"  # the page templates switch their layout on this name


class TolerantTableRenderer(ValidationResultsTableContentBlockRenderer):
    """GX's results table, except that expectations GX cannot rebuild render generically instead of raising.

    GX rebuilds each expectation (``to_domain_obj``) only to look for a ``description``. That fails for a type
    not registered in this process (``ExpectationNotFoundError``) and for a registered custom type whose
    stored kwargs no longer fit its current fields (pydantic's ``ValidationError``, a ``ValueError``): an old
    run's page must still build.
    """

    @classmethod
    def _get_content_block_fn_from_expectation_description(cls, expectation_config: Any) -> Any:
        try:
            return super()._get_content_block_fn_from_expectation_description(expectation_config)
        except (ExpectationNotFoundError, ValueError, TypeError):
            return None

    @staticmethod
    def _get_legacy_v2_api_observed_value(expectation_string_fn: Any, result: Any) -> Any:
        """Reached only by types without an observed-value renderer (unregistered): use GX's generic one."""
        legacy = ValidationResultsTableContentBlockRenderer._get_legacy_v2_api_observed_value(
            expectation_string_fn, result)
        return legacy if legacy is not None else Expectation._diagnostic_observed_value_renderer(result=result)

    @classmethod
    def _missing_content_block_fn(cls, configuration: Any = None, result: Any = None,
                                  runtime_configuration: Any = None, **kwargs: Any) -> Any:
        """GX's own fallback for expectations without a renderer: ``expect_x(**{kwargs})``."""
        return Expectation._prescriptive_renderer(
            configuration=configuration, result=result, runtime_configuration=runtime_configuration
        )


class EscapedInputPageView(DefaultJinjaPageView):
    """GX's page view for input that ``escape_strings`` already escaped (so GX must not escape it again)."""

    @staticmethod
    def _escape_template_param_value(value: Any) -> Any:
        return value


def load_result(result_json: Mapping[str, Any]) -> ExpectationSuiteValidationResult:
    """Rebuild GX's object from ``to_json_dict()`` output, escaping every string first."""
    return expectationSuiteValidationResultSchema.load(escape_strings(dict(result_json)))


def _page_renderer() -> ValidationResultsPageRenderer:
    table = {"module_name": __name__, "class_name": TolerantTableRenderer.__name__}
    return ValidationResultsPageRenderer(
        column_section_renderer={"class_name": "ValidationResultsColumnSectionRenderer", "table_renderer": table}
    )


def _layer_sections(layer: str, sections: list[RenderedSectionContent]) -> list[RenderedSectionContent]:
    """Name a layer's sections after it, so three layers' "Overview"/column entries stay distinguishable."""
    name = html.escape(layer)
    for section in sections:
        overview = section.section_name == "Overview"
        section.section_name = f"<strong>{name}</strong>" if overview else f"{name} &middot; {section.section_name}"
        header = getattr(section.content_blocks[0], "header", None) if section.content_blocks else None
        if isinstance(header, RenderedStringTemplateContent) and "template" in header.string_template:
            header.string_template["template"] = f"{name} &middot; {header.string_template['template']}"
    return sections


def _stat(result: ExpectationSuiteValidationResult, key: str) -> Any:
    return (result.statistics or {}).get(key, "")


def _summary_section(results: dict[str, ExpectationSuiteValidationResult], anchors: dict[str, int],
                     heading: str, meta: Mapping[str, Any]) -> RenderedSectionContent:
    """The run at a glance: one row per layer (linking to its section), then the run's metadata."""
    icons = {True: '<i class="fas fa-check-circle text-success"></i> passed',
             False: '<i class="fas fa-times text-danger"></i> failed'}
    rows = [[f'<a href="#section-{anchors[layer]}">{html.escape(layer)}</a>', icons[bool(r.success)],
             _stat(r, "evaluated_expectations"), _stat(r, "successful_expectations"),
             _stat(r, "unsuccessful_expectations"), f"{_stat(r, 'success_percent') or 0:.0f}%"]
            for layer, r in results.items()]
    blocks: list[Any] = [
        RenderedHeaderContent(
            header=RenderedStringTemplateContent(string_template={"template": html.escape(heading), "tag": "h5",
                                                                  "styling": {"classes": ["m-0"]}}),
            styling={"classes": ["col-12", "p-0"], "header": {"classes": ["alert", "alert-secondary"]}},
        ),
        RenderedTableContent(
            table=rows, header_row=["Layer", "Status", "Evaluated", "Passed", "Failed", "Success"],
            styling={"classes": ["col-12", "table-responsive", "mt-1"], "body": {"classes": ["table", "table-sm"]}},
        ),
    ]
    if meta:
        info = [[html.escape(str(k)), html.escape(str(v))] for k, v in meta.items()]
        blocks.append(RenderedTableContent(
            table=info, header=RenderedStringTemplateContent(string_template={"template": "Run", "tag": "h6"}),
            styling={"classes": ["col-12", "table-responsive", "mt-1"], "body": {"classes": ["table", "table-sm"]}},
        ))
    return RenderedSectionContent(content_blocks=blocks, section_name="Overview")


def render_run_page(gx_results: Mapping[str, Mapping[str, Any]], *, heading: str,
                    meta: Mapping[str, Any] | None = None) -> str:
    """GX HTML for all layers of one run (still pointing at CDNs: ``offline.make_offline`` fixes that)."""
    renderer = _page_renderer()
    results = {layer: load_result(result_json) for layer, result_json in gx_results.items()}
    sections: list[RenderedSectionContent] = []
    anchors: dict[str, int] = {}
    for layer, result in results.items():
        anchors[layer] = len(sections) + 2  # section ids are 1-based and the summary comes first
        sections += _layer_sections(layer, renderer.render(result).sections)
    document = RenderedDocumentContent(
        sections=[_summary_section(results, anchors, heading, meta or {}), *sections],
        renderer_type=RENDERER_TYPE,
        page_title=html.escape(heading),
        expectation_suite_name="run",  # no dots: GX's templates derive relative paths from it
    )
    return EscapedInputPageView().render(document, show_how_to_buttons=False)
