"""The person number as a page may show it, and the claim-name configuration's refusal."""

from __future__ import annotations

import pytest

from auth.claims import claim_names, mask_cpr


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
