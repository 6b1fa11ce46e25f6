"""Brokering's migration 0002 gives applications made before it their own random reference, and counts them
as agreed (they were made by the person or put forward with her agreement)."""

import datetime as dt

from sqlalchemy import text

from coop.services import app_module, history
from shared import migrations

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def test_applications_made_before_get_their_own_references_and_count_as_agreed(backend, settings, tmp_path):
    url = backend.new_database(tmp_path, "brokering")
    runtime = app_module("brokering").build_runtime(
        settings.replace(database_urls={**settings.database_urls, "brokering": url}))
    try:
        db = runtime.db
        migrations.upgrade(db, history("brokering"), "0001")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO employers (id, account_id, name, contact_name, email, sector, about, status, "
                "registered_at) VALUES (1, 9, 'E', 'C', 'e@e.example', 'retail', '', 'approved', :now)"), {"now": NOW})
            connection.execute(text(
                "INSERT INTO vacancies (id, employer_id, title, sector, description, skills, location, hours_per_week,"
                " pay_pence_per_hour, contract_type, involves, exempt, dbs_check, closing_on, status, opened_at)"
                " VALUES (1, 1, 'T', 'retail', '', '[]', 'LS6', 20, 1300, 'permanent', '[]', false, 'none',"
                " '2027-01-01', 'open', :now)"), {"now": NOW})
            connection.execute(text(
                "INSERT INTO job_seekers (id, display_name, skills, sectors, qualifications, preferences,"
                " open_to_matching, status, created_at, changed_at) VALUES"
                " (1, 'A', '[]', '[]', '[]', '', true, 'open', :now, :now),"
                " (2, 'B', '[]', '[]', '[]', '', true, 'open', :now, :now)"), {"now": NOW})
            connection.execute(text(
                "INSERT INTO applications (id, vacancy_id, job_seeker_id, stage, created_at, changed_at) VALUES"
                " (1, 1, 1, 'put_forward', :now, :now), (2, 1, 2, 'interview', :now, :now)"), {"now": NOW})
        migrations.upgrade(db, history("brokering"))
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT reference, agreed_at FROM applications ORDER BY id")).all()
        assert len({reference for reference, _agreed in rows}) == 2
        assert all(reference.startswith("Applicant ") and agreed is not None for reference, agreed in rows)
        assert migrations.differences(db, "brokering") == []
    finally:
        runtime.stop()
        backend.drop_database(url)
