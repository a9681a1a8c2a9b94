"""Login (OIDC relying party), the session user, acting-as, and the MitID simulator.

`auth.guards.init_app(app, login_manager=..., directory=...)` wires it into the portal;
the portal passes what `auth` needs to know about people (`auth.directory.Directory`), so
nothing here imports the portal. Views use `@access(...)` from `auth.access`; whose data
is shown is `g.acting` (an `auth.session.ActingAs`, built from the typed session object
`auth.session.AuthSession`). Who is asking (`Caller`, `Basis`) lives in `identity`.
"""
