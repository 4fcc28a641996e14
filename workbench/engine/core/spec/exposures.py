"""The spec's ``exposures:`` list: who consumes the dataset's published table (a dashboard, a report, an
application), exported to dbt as ``exposures.yml`` and drawn on the lineage graph downstream of the gold table.

.. code-block:: yaml

   exposures:
     - name: tablero_ejecucion_mensual
       type: dashboard
       url: https://bi.example.cl/dashboards/12
       owner: {name: Finanzas Públicas, email: finanzas@example.cl}
       maturity: high
       description: Ejecución mensual por programa, para el comité de presupuesto.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: dbt's exposure types
EXPOSURE_TYPES = ("dashboard", "notebook", "analysis", "ml", "application")


class ExposureOwner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Who answers for the consumer.")
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Their e-mail.")


class Exposure(BaseModel):
    """One downstream consumer of the published table."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$", description="Identifier (dbt's rules: lowercase, digits, _).")
    type: Literal["dashboard", "notebook", "analysis", "ml", "application"] = Field(
        description="What it is (dbt's exposure types).")
    url: str | None = Field(default=None, description="Where it lives (http:// or https://).")
    owner: ExposureOwner = Field(description="Who answers for it: name and e-mail.")
    maturity: Literal["high", "medium", "low"] | None = Field(default=None, description="How settled it is.")
    description: str = Field(default="", description="What it shows, for whom.")
    label: str | None = Field(default=None, description="A human name (default: the name).")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value


__all__ = ["EXPOSURE_TYPES", "Exposure", "ExposureOwner"]
