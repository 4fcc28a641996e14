"""Fuzz the spec loader: any text or mapping gives a Spec or a SpecError, never another exception."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from workbench.engine.core.errors import SpecError
from workbench.engine.core.spec.loader import parse_spec
from workbench.engine.core.spec.models import Spec
from workbench.engine.core.steps.registry import step_names

pytestmark = pytest.mark.fuzz

TOKENS = st.sampled_from(["dataset:", "source:", "layers:", "bronze:", "slug: x", "title: t", "type: strip",
                          "- ", "  ", "    ", "\n", ":", "{", "}", "[", "]", ",", "&a ", "*a", "!!python/object ",
                          "!!binary ", "!!str ", "<<: ", "'", '"', "#", "|", ">", "? ", "---", "...", "%YAML 1.1",
                          "1e9999", "0x1F", "2001-13-45", "9" * 50, "~", "null", ".nan", "\t", "\x00", "ñ", "\ufeff"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20))
STEP_TYPES = st.sampled_from(sorted(step_names()) + ["exec", ""])


def _parse(text: str) -> None:
    try:
        assert isinstance(parse_spec(text), Spec)
    except SpecError as exc:
        assert exc.code == "spec-invalid" and exc.message


@given(st.text(max_size=500))
def test_random_text(text: str):
    _parse(text)


@given(st.lists(TOKENS, max_size=120))
def test_yaml_ish_text(tokens: list[str]):
    _parse("".join(tokens))


@given(st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                    max_leaves=30))
def test_random_mappings(data: object):
    _parse(yaml.safe_dump(data, allow_unicode=True))


@given(st.lists(st.fixed_dictionaries({"type": STEP_TYPES},
                                      optional={"columns": st.lists(st.text(max_size=5), max_size=3),
                                                "column": st.text(max_size=5), "patterns": st.dictionaries(
                                                    st.text(max_size=5), st.text(max_size=5), max_size=2),
                                                "value": SCALARS}), max_size=6),
       st.dictionaries(st.sampled_from(["sheet", "encoding", "delimiter", "header", "fill_merged", "format"]),
                       SCALARS, max_size=3))
def test_specs_with_random_steps_and_source(steps: list[dict], source: dict):
    spec = {"dataset": {"slug": "fuzz", "title": "Fuzz"}, "source": source, "layers": {"bronze": steps}}
    _parse(yaml.safe_dump(spec, allow_unicode=True))
