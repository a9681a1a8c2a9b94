"""`flask --app portal oidc check`: is the portal set up right for its identity providers?

Fetches each provider's discovery document, shows what the portal will register and ask
for, and says what does not fit (exit status 1 when something must be fixed).
"""

from __future__ import annotations

import json
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from auth.oidc import LoginFailed, Provider
from auth.urls import public_url

oidc = AppGroup("oidc", help="Check the connection to the MitID broker and employee login.")


def check_provider(provider: Provider, callback_endpoint: str) -> tuple[list[str], list[str]]:
    """Lines to show, and problems that stop logins from working."""
    s = provider.settings
    lines = [
        f"issuer:                {s.issuer}",
        f"client id:             {s.client_id}",
        f"redirect URI:          {public_url(callback_endpoint)}",
        f"post-logout URI:       {public_url('auth.logged_out')}",
        f"scope asked for:       {s.scope}",
        f"extra parameters:      {'&'.join(f'{k}={v}' for k, v in s.authorize_params) or '-'}",
        f"client authentication: {s.auth_method}",
        f"claims read from:      {s.claims_source}",
        f"claims:                person number {s.claim_cpr or '-'}, name {s.claim_name}, "
        f"level {s.claim_loa}{f', role {s.claim_role}={s.role_value}' if s.claim_role else ''}",
        f"level required:        {s.required_loa}",
    ]
    problems: list[str] = []
    try:
        meta = provider.metadata()
    except LoginFailed as exc:
        return lines, [f"discovery failed: {exc.detail}"]

    def offered(key: str) -> list[str] | None:
        value = meta.get(key)
        return [str(v) for v in value] if isinstance(value, list) else None

    scopes = offered("scopes_supported")
    if scopes is not None:
        missing = [x for x in s.scope.split() if x not in scopes]
        if missing:
            problems.append(f"scope {' '.join(missing)} is not in scopes_supported {scopes}")
    methods = offered("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if s.auth_method not in methods:
        problems.append(f"client authentication {s.auth_method} is not offered (only {methods})")
    try:
        lines.append(f"ID-token algorithms:   {', '.join(provider.algorithms())}")
    except LoginFailed as exc:
        problems.append(exc.detail)
    algorithms = offered("id_token_signing_alg_values_supported") or []
    if s.id_token_algorithms and not set(s.id_token_algorithms) & set(algorithms):
        problems.append(f"none of {s.id_token_algorithms} is in the provider's {algorithms}")
    if s.claims_source != "id_token" and not meta.get("userinfo_endpoint"):
        problems.append("claims are read from userinfo, but the provider has no userinfo_endpoint")
    if "S256" not in (offered("code_challenge_methods_supported") or ["S256"]):
        problems.append("the provider does not offer PKCE with S256")
    claims = offered("claims_supported")
    if claims is not None:
        for claim in (s.claim_cpr, s.claim_loa, s.claim_role):
            if claim and claim not in claims:
                lines.append(f"note: {claim} is not in claims_supported (brokers often omit it)")
    if not meta.get("end_session_endpoint"):
        lines.append("note: no end_session_endpoint: logging out ends the portal's session only")
    if s.auth_method == "private_key_jwt" and provider.private_key is not None:
        public = {"keys": [provider.private_key.as_dict(private=False)]}
        lines.append(f"register this public key (JWKS): {json.dumps(public)}")
    return lines, problems


@oidc.command("check")
def check() -> None:
    """Fetch each provider's metadata; show what will be asked for; say what is missing."""
    providers: dict[str, Any] = current_app.extensions["auth_providers"]
    failed = False
    for name, endpoint, title in (
        ("mitid", "auth.callback", "Citizen login (OIDC_*)"),
        ("workforce", "auth.caseworker_callback", "Employee login (WORKFORCE_*)"),
    ):
        with current_app.test_request_context():
            lines, problems = check_provider(providers[name], endpoint)
        click.echo(f"== {title}")
        for line in lines:
            click.echo(f"  {line}")
        for problem in problems:
            click.echo(f"  PROBLEM: {problem}")
        if not problems:
            click.echo("  ok")
        failed = failed or bool(problems)
    if failed:
        raise SystemExit(1)
