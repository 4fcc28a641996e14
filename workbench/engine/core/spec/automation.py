"""The ``automation:`` section of a spec: an inbox folder whose new files start runs, a cron schedule, how many
automated runs may be active at once and what a failure does. Validated at load like the rest of the spec
(a bad cron expression or time zone names its field and line)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Longest folder or file pattern an automation may name (characters).
MAX_PATH_CHARS = 300
#: Most fixed parameters an inbox or a schedule may give.
MAX_PARAMS = 50

#: What a schedule does with the fires it missed while no scheduler ran (see docs/automation.md).
Catchup = Literal["latest", "all", "skip"]


def _relative_path(value: str | None, what: str) -> str | None:
    """A folder or pattern relative to the data directory (or absolute), never climbing out with ``..``; where it
    may point is checked again against the allowed folders when the scheduler uses it."""
    if value is None:
        return None
    if not value.strip() or len(value) > MAX_PATH_CHARS:
        raise ValueError(f"{what} must be 1 to {MAX_PATH_CHARS} characters")
    if ".." in PurePosixPath(value).parts or "\x00" in value:
        raise ValueError(f"{what} may not contain `..`")
    return value


class InboxOptions(BaseModel):
    """Files dropped in ``<data_dir>/incoming/<slug>/`` (or ``folder``) start runs, once each (by content)."""

    model_config = ConfigDict(extra="forbid")

    folder: str | None = Field(default=None, description="The inbox folder (default <data_dir>/incoming/<slug>/; "
                               "relative paths start at the data directory; must lie under the incoming folder).")
    params: dict[str, str | int] = Field(default_factory=dict, max_length=MAX_PARAMS,
                                         description="Fixed run parameters; `from_filename` parameters still apply.")
    stable_seconds: float = Field(default=5, ge=0, le=3600, description="A file is taken once its size and "
                                  "modification time stayed unchanged this long (half-copied files are left alone).")
    move_processed: bool = Field(default=False, description="Move each taken file to the inbox's `processed/` "
                                 "folder (it is recorded either way).")

    @field_validator("folder")
    @classmethod
    def _folder(cls, value: str | None) -> str | None:
        return _relative_path(value, "folder")


class ScheduleOptions(BaseModel):
    """A cron schedule, computed in ``timezone`` (daylight-saving changes included)."""

    model_config = ConfigDict(extra="forbid")

    cron: str = Field(description="Five-field cron expression (croniter syntax), e.g. `0 7 * * 1-5`.")
    timezone: str = Field(default="UTC", description="IANA time zone the cron expression is read in, e.g. "
                          "`America/Santiago`.")
    files: str = Field(description="Glob of the files a scheduled run takes (relative paths start at the data "
                       "directory), e.g. `incoming/dipres_ejecucion/*.csv`; which of them: `take`.")
    take: Literal["newest", "all"] = Field(default="newest", description="`newest`: a fire runs the newest matching "
                                           "file not run yet; `all`: every matching file not run yet, oldest first "
                                           "(one run each, `max_active_runs` at a time).")
    params: dict[str, str | int] = Field(default_factory=dict, max_length=MAX_PARAMS,
                                         description="Fixed run parameters of scheduled runs.")
    catchup: Catchup = Field(default="latest", description="After downtime: `latest` runs only the most recent "
                             "missed fire, `all` runs every missed fire, `skip` runs none (missed fires are recorded).")

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        if len(value) > 200 or len(value.split()) != 5 or not croniter.is_valid(value):
            raise ValueError(f"invalid cron expression {value[:200]!r}: five fields "
                             "(minute hour day-of-month month day-of-week), e.g. `0 7 * * 1-5`")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value[:80]!r} (use an IANA name such as America/Santiago)") from exc
        return value

    @field_validator("files")
    @classmethod
    def _files(cls, value: str) -> str:
        return _relative_path(value, "files")  # type: ignore[return-value]


class Automation(BaseModel):
    """When runs start without a person: an inbox, a schedule, or both."""

    model_config = ConfigDict(extra="forbid")

    inbox: InboxOptions | None = Field(default=None, description="Files dropped in a folder start runs.")
    schedule: ScheduleOptions | None = Field(default=None, description="Runs at fixed times.")
    max_active_runs: int = Field(default=1, ge=1, le=32, description="Automated runs of this dataset queued or "
                                 "running at once; more wait their turn.")
    on_failure: Literal["alert", "none"] = Field(default="alert", description="`alert`: a failed automated run "
                                                 "(or failed QA) calls the webhooks, publishes an event and shows a "
                                                 "banner on the Automatización page, once.")
    publish: Literal["propose", "none"] = Field(default="none", description="`propose`: an automated run whose QA "
                                                "passed is proposed for publication (needs `publication:`); a "
                                                "publisher approves it (docs/publication.md).")
    on_drift: Literal["stop", "run"] = Field(default="stop", description="`stop`: a file whose layout drifted in a "
                                             "way the spec no longer reads does not run; the alert carries the drift "
                                             "report and the proposed spec patch (docs/drift.md).")

    @model_validator(mode="after")
    def _something(self) -> "Automation":
        if self.inbox is None and self.schedule is None:
            raise ValueError("`automation` needs an `inbox`, a `schedule`, or both")
        return self


__all__ = ["Automation", "Catchup", "InboxOptions", "MAX_PATH_CHARS", "ScheduleOptions"]
