"""How the index's database sessions are set up."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from pypacs.archive.index import create_engines
from tests.conftest import postgres_database


def test_postgres_sessions_plan_for_whole_answers_and_keep_what_the_administrator_set():
    for url in postgres_database():
        engines = create_engines(url, fsync=False)
        try:
            with engines.reader.connect() as connection:
                assert connection.execute(text("SHOW cursor_tuple_fraction")).scalar() == "1"
                assert connection.execute(text("SHOW random_page_cost")).scalar() == "1.1"
            admin = create_engine(url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                database = connection.execute(text("SELECT current_database()")).scalar()
                connection.execute(text(f'ALTER DATABASE "{database}" SET random_page_cost = 2'))
            admin.dispose()
            engines.dispose()
            engines = create_engines(url, fsync=False)
            with engines.reader.connect() as connection:
                assert connection.execute(text("SHOW random_page_cost")).scalar() == "2"
        finally:
            engines.dispose()
