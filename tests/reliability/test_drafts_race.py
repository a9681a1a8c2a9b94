"""Many tabs of one person save and send the same questionnaire at once, on PostgreSQL.

CI's load test once answered 500 to a save: with a dozen tabs of one person, a save looked
for the draft, found none, and its insert met the row another tab had just made; at its
second look that row had been sent (and so discarded) and made again. Here threads do the
same, on the real database, as fast as they can: every save lands and none fails.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from portal import create_app, drafts
from portal.drafts import QuestionnaireDraft
from portal.extensions import db
from tests.reliability.conftest import create_database, postgres_url

TABS = 12
ROUNDS = 40
KEY = {"actor_id": "p-jonas", "person_id": "p-jonas", "instrument_id": "who-5"}


def test_a_dozen_tabs_saving_and_sending_at_once_all_land() -> None:
    url = create_database(postgres_url(), f"rel_drafts_{uuid.uuid4().hex[:8]}")
    # As production sets it (the test config's options are SQLite's); a pool per tab.
    options = {"pool_pre_ping": True, "pool_size": TABS}
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options}, "test")
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        db.create_all()
    start = threading.Barrier(TABS)

    def tab(n: int) -> list[str]:
        failures: list[str] = []
        with app.app_context():
            start.wait()
            for round_ in range(ROUNDS):
                try:
                    drafts.save(
                        **KEY, instrument_version="1", answers={"q1": n}, form_key=f"{n}-{round_}"
                    )
                except Exception as exc:  # each failure is the finding
                    db.session.rollback()
                    failures.append(f"save: {type(exc).__name__}: {exc}".splitlines()[0])
                if round_ % 3 == n % 3:  # now and then this tab sends, and so discards
                    drafts.discard(**KEY)
            db.session.remove()
        return failures

    with ThreadPoolExecutor(TABS) as pool:
        failures = [f for result in pool.map(tab, range(TABS)) for f in result]
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(QuestionnaireDraft))
    with app.app_context():  # the session above has given its connection back by now
        db.engine.dispose()
    assert failures == [], failures[:5]
    assert rows in (0, 1)  # one draft per person and questionnaire, or none after a send
