"""The dead-letter store keeps whatever arrives, even what the database would refuse as it is."""

import pytest
from sqlalchemy import text

from shared.consumer import MessageProcessor, list_dead_letters
from shared.db import Database


@pytest.fixture
def processor(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'letters.db'}")
    db.create_all()
    yield MessageProcessor(db, subscriptions={})
    db.dispose()


def test_a_body_the_database_refuses_is_kept_escaped_instead_of_being_retried_for_ever(processor):
    # A constraint standing for any refusal of the content itself (PostgreSQL refuses NUL in text).
    with processor.db.engine.begin() as connection:
        connection.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON dead_letters WHEN NEW.body LIKE '%é%' "
                                "BEGIN SELECT RAISE(ABORT, 'refused'); END"))
    assert processor.process("{not json, but café").value == "dead_lettered"
    [letter] = list_dead_letters(processor.db)
    assert letter.body == ascii("{not json, but café") and "refused" in letter.error


def test_a_nul_character_is_kept_as_a_replacement_character(processor):
    processor.process("{broken\x00")
    assert list_dead_letters(processor.db)[0].body == "{broken\ufffd"
