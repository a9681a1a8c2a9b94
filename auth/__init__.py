"""Login (OIDC relying party), the session user, acting-as, and the MitID simulator."""
