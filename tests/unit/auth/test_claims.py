"""The person number as a page may show it, and the claim-name configuration's refusal."""

from __future__ import annotations

import pytest

from auth.claims import NEMLOGIN_LOA, PRESETS, Level, at_least, claim_names, mask_cpr, parse_level


@pytest.mark.parametrize(
    ("cpr", "shown"),
    [
        ("0101901234", "010190-****"),
        ("01-01-90-1234", "010190-****"),
        ("010190", "010190-****"),
        ("01019", "******-****"),
        ("", "******-****"),
    ],
)
def test_a_person_number_shows_only_its_birth_date(cpr: str, shown: str) -> None:
    assert mask_cpr(cpr) == shown


def test_the_custom_preset_needs_all_three_claim_names() -> None:
    with pytest.raises(RuntimeError) as refused:
        claim_names({"OIDC_CLAIM_PRESET": "custom", "OIDC_CLAIM_CPR": "cpr"})
    assert str(refused.value) == "OIDC_CLAIM_PRESET=custom needs OIDC_CLAIM_CPR, _NAME and _LOA"


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("https://data.gov.dk/concept/core/nsis/loa/Substantial", "substantial"),
        ("urn:grn:authn:dk:mitid:high", "high"),
        ("low", "low"),
        ("https://data.gov.dk/concept/core/nsis/loa/Unknown", None),
        (["substantial"], None),
        ("", None),
    ],
)
def test_a_level_is_read_however_it_is_spelled_and_nothing_else_is(
    value: object, level: str | None
) -> None:
    assert parse_level(value) == level


def test_each_preset_writes_a_level_its_own_way() -> None:
    assert PRESETS["nemlogin"].loa_value("high") == f"{NEMLOGIN_LOA}/High"
    assert PRESETS["signicat"].loa_value("high") == "high"
    assert PRESETS["idura"].loa_value("high") == "urn:grn:authn:dk:mitid:high"


@pytest.mark.parametrize(
    ("level", "required", "enough"),
    [
        (None, "low", False),
        ("low", "low", True),
        ("low", "substantial", False),
        ("substantial", "low", True),
        ("substantial", "substantial", True),
        ("substantial", "high", False),
        ("high", "substantial", True),
        ("high", "high", True),
    ],
)
def test_a_level_is_enough_when_it_is_the_required_one_or_higher(
    level: Level | None, required: Level, enough: bool
) -> None:
    assert at_least(level, required) is enough


def test_the_preset_is_named_by_either_setting_in_any_case() -> None:
    assert claim_names({}) is PRESETS["nemlogin"]
    assert claim_names({"OIDC_PRESET": "Signicat"}) is PRESETS["signicat"]
    assert claim_names({"OIDC_CLAIM_PRESET": "idura"}) is PRESETS["idura"]
    # The newer name wins over the older one.
    assert (
        claim_names({"OIDC_PRESET": "idura", "OIDC_CLAIM_PRESET": "signicat"}) is PRESETS["idura"]
    )
    # A preset nobody knows falls back to NemLog-in's names.
    assert claim_names({"OIDC_PRESET": "unknown"}) is PRESETS["nemlogin"]


@pytest.mark.parametrize("field", ["cpr", "name", "loa"])
def test_an_override_replaces_only_its_own_claim_name(field: str) -> None:
    names = claim_names({"OIDC_PRESET": "signicat", f"OIDC_CLAIM_{field.upper()}": "own"})
    expected = {"cpr": "nin", "name": "name", "loa": "loa"} | {field: "own"}
    assert (names.cpr, names.name, names.loa) == (
        expected["cpr"],
        expected["name"],
        expected["loa"],
    )
    assert names.scope == "nin"


def test_the_custom_preset_with_all_three_names_uses_them() -> None:
    names = claim_names(
        {
            "OIDC_PRESET": "custom",
            "OIDC_CLAIM_CPR": "c",
            "OIDC_CLAIM_NAME": "n",
            "OIDC_CLAIM_LOA": "l",
        }
    )
    assert (names.cpr, names.name, names.loa) == ("c", "n", "l")


@pytest.mark.parametrize("missing", ["CPR", "NAME", "LOA"])
def test_the_custom_preset_refuses_each_missing_name(missing: str) -> None:
    config = {"OIDC_PRESET": "custom"} | {
        f"OIDC_CLAIM_{field}": "x" for field in ("CPR", "NAME", "LOA") if field != missing
    }
    with pytest.raises(RuntimeError, match="needs OIDC_CLAIM_CPR, _NAME and _LOA"):
        claim_names(config)


def test_an_empty_override_is_no_override() -> None:
    assert claim_names({"OIDC_PRESET": "idura", "OIDC_CLAIM_CPR": ""}) is PRESETS["idura"]
