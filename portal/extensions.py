"""Extensions, created unbound and bound to the app in create_app()."""

from typing import Any

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_session import Session
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase

from portal.compression import MaskedCSRFProtect


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
babel = Babel()
csrf = MaskedCSRFProtect()
migrate = Migrate()
login_manager = LoginManager()
server_session = Session()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def insert_for(model: Any) -> Any:
    """An INSERT into `model`'s table in the dialect of the session's database (PostgreSQL
    in production, SQLite in the demo and tests), so it has the ON CONFLICT clauses."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)
