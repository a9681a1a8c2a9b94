"""The plan API's blueprints, registered explicitly by `create_app`."""
