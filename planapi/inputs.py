"""Request bodies: JSON only, checked strictly, errors as `[{field, message}]`."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, TypeVar

from flask import request
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
)

from planapi.problems import Problem, invalid

Department = Literal[
    "employment",
    "social",
    "children_family",
    "youth_education",
    "health",
    "school",
    "elderly",
    "daycare",
]
DEPARTMENTS: tuple[str, ...] = Department.__args__  # type: ignore[attr-defined]

Text = Annotated[StrictStr, StringConstraints(min_length=1, pattern=r"\S")]
Version = Annotated[StrictStr, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z.-]{0,31}$")]
IdStr = Annotated[StrictStr, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ResolvePerson(Strict):
    cpr: Annotated[StrictStr, StringConstraints(pattern=r"^[0-9]{6}-?[0-9]{4}$")]


class ResolveCaseworker(Strict):
    workforce_id: Annotated[StrictStr, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")]


class TimeWindow(Strict):
    start: AwareDatetime
    end: AwareDatetime


class ChangeRequestIn(Strict):
    reason: Annotated[Text, StringConstraints(max_length=1000)]
    preferred_times: Annotated[list[TimeWindow], Field(max_length=5)] = []


class ConsentScopeIn(Strict):
    department: Department
    information: Annotated[Text, StringConstraints(max_length=500)]


class ConsentGrantIn(Strict):
    text_version: Version
    purpose: Annotated[Text, StringConstraints(max_length=500)]
    scopes: Annotated[list[ConsentScopeIn], Field(min_length=1, max_length=8)]
    valid_months: Annotated[StrictInt, Field(ge=1, le=24)] = 12


class ConsentWithdrawIn(Strict):
    departments: Annotated[list[Department], Field(max_length=8)] = []
    reason: Annotated[StrictStr, StringConstraints(max_length=1000)] = ""


class ConsentRenewIn(Strict):
    text_version: Version | None = None
    valid_months: Annotated[StrictInt, Field(ge=1, le=24)] = 12


class AnswerIn(Strict):
    item_id: IdStr
    value: Annotated[StrictInt, Field(ge=-1000, le=1000)]


class ResponseIn(Strict):
    instrument_version: Annotated[StrictInt, Field(ge=1, le=1000)]
    language: Literal["da", "en"]
    answers: Annotated[list[AnswerIn], Field(min_length=1, max_length=50)]


class MessageIn(Strict):
    contact_id: IdStr
    body: Annotated[Text, StringConstraints(max_length=5000)]
    document_ids: Annotated[list[IdStr], Field(max_length=5)] = []
    letter_id: IdStr | None = None


class StaffMessageIn(Strict):
    body: Annotated[Text, StringConstraints(max_length=5000)]
    document_ids: Annotated[list[IdStr], Field(max_length=5)] = []


DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/heic")


class DocumentIn(Strict):
    filename: Annotated[
        StrictStr, StringConstraints(min_length=1, max_length=200, pattern=r"^[^/\\\x00-\x1f]+$")
    ]
    content_type: Literal["application/pdf", "image/jpeg", "image/png", "image/heic"]
    content_base64: Annotated[StrictStr, StringConstraints(min_length=1)]
    sha256: Annotated[StrictStr, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    missing_document_id: IdStr | None = None


class AccessLogIn(Strict):
    action: Literal["read", "preview", "export"]
    resource: Annotated[
        StrictStr,
        StringConstraints(min_length=1, max_length=200, pattern=r"^[a-z0-9][a-z0-9/_.-]*$"),
    ]
    purpose: Annotated[StrictStr, StringConstraints(max_length=300)] | None = None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _bad_strings(value: Any, path: str = "") -> list[dict[str, str]]:
    """Find strings a database cannot hold: NUL characters and lone surrogates."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [{"field": path or "body", "message": "not valid Unicode text"}]
        if "\x00" in value:
            return [{"field": path or "body", "message": "must not contain NUL characters"}]
        return []
    found: list[dict[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _bad_strings(key, path or "body")
            found += _bad_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _bad_strings(item, f"{path}.{index}" if path else str(index))
    return found


def json_body() -> Any:
    if not request.mimetype or request.mimetype != "application/json":
        raise Problem(415, "The body must be application/json.", kind="unsupported-media-type")
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH raises 413 here
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise Problem(400, f"The body is not valid JSON: {exc}"[:300], kind="malformed") from exc
    errors = _bad_strings(data)
    if errors:
        raise invalid(errors)
    return data


def parse(model: type[M]) -> M:
    data = json_body()
    if not isinstance(data, dict):
        raise invalid([{"field": "body", "message": "must be a JSON object"}])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(
            [
                {
                    "field": ".".join(str(part) for part in error["loc"]) or "body",
                    "message": error["msg"],
                }
                for error in exc.errors(include_url=False)
            ]
        ) from exc
