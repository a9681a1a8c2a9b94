"""The person number as a page may show it, and the claim-name configuration's refusal."""

from __future__ import annotations

import pytest

from auth.claims import NEMLOGIN_LOA, PRESETS, claim_names, mask_cpr, parse_level


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
