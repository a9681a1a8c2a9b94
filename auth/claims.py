"""Which ID-token claims carry the person number, the name and the assurance level.

Brokers name them differently, so the names are configuration: a preset
(`OIDC_PRESET`, formerly `OIDC_CLAIM_PRESET`) with optional per-claim overrides (`OIDC_CLAIM_CPR`,
`OIDC_CLAIM_NAME`, `OIDC_CLAIM_LOA`). The simulator issues tokens with the same preset.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

Level = Literal["low", "substantial", "high"]
LEVELS: tuple[Level, ...] = ("low", "substantial", "high")
NEMLOGIN_LOA = "https://data.gov.dk/concept/core/nsis/loa"


@dataclass(frozen=True)
class ClaimNames:
    cpr: str
    name: str
    loa: str
    # How the simulator writes a level; reading accepts any spelling (see parse_level).
    loa_prefix: str = ""
    loa_capitalized: bool = False
    # The scope under which the broker releases the person number and the level.
    scope: str = ""

    def loa_value(self, level: Level) -> str:
        return self.loa_prefix + (level.capitalize() if self.loa_capitalized else level)


PRESETS: dict[str, ClaimNames] = {
    "nemlogin": ClaimNames(
        cpr="https://data.gov.dk/model/core/eid/cprNumber",
        name="https://data.gov.dk/model/core/eid/fullName",
        loa=NEMLOGIN_LOA,
        loa_prefix=NEMLOGIN_LOA + "/",
        loa_capitalized=True,
        scope="nemlogin",
    ),
    "signicat": ClaimNames(cpr="nin", name="name", loa="loa", scope="nin"),
    "idura": ClaimNames(
        cpr="cprNumberIdentifier",
        name="name",
        loa="acr",
        loa_prefix="urn:grn:authn:dk:mitid:",
        scope="ssn",
    ),
}


DEFAULT_PRESET = "nemlogin"


def claim_names(config: Mapping[str, Any]) -> ClaimNames:
    """The claim names for the citizen issuer, from the preset and any overrides."""
    preset = str(config.get("OIDC_PRESET") or config.get("OIDC_CLAIM_PRESET") or DEFAULT_PRESET)
    preset = preset.lower()
    names = PRESETS.get(preset, PRESETS[DEFAULT_PRESET])
    overrides: dict[str, str] = {
        field: str(config[f"OIDC_CLAIM_{field.upper()}"])
        for field in ("cpr", "name", "loa")
        if config.get(f"OIDC_CLAIM_{field.upper()}")
    }
    if preset == "custom" and set(overrides) != {"cpr", "name", "loa"}:
        raise RuntimeError("OIDC_CLAIM_PRESET=custom needs OIDC_CLAIM_CPR, _NAME and _LOA")
    return replace(names, **overrides) if overrides else names  # type: ignore[arg-type]


def parse_level(value: object) -> Level | None:
    """Read an NSIS level however the broker spells it (URI, URN or a bare word)."""
    if not isinstance(value, str) or not value:
        return None
    last = re.split(r"[/:#]", value.strip())[-1].lower()
    return last if last in LEVELS else None


def at_least(level: Level | None, required: Level) -> bool:
    return level is not None and LEVELS.index(level) >= LEVELS.index(required)


def mask_cpr(cpr: str) -> str:
    """DDMMYY-**** — the full person number is never shown on a page."""
    digits = re.sub(r"\D", "", cpr or "")  # equivalent: cpr or "XXXX" (no digits either)
    return f"{digits[:6]}-****" if len(digits) >= 6 else "******-****"
