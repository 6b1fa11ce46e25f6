"""applicant references, agreement, vacancy age band

Revision ID: 0002
Revises: 0001
Created: 2026-12-02 00:53:09.618839
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True))

    # Applications made before this were made by the person or put forward with her agreement; each
    # gets its own random reference (the old one was the job seeker's id, the same on every vacancy).
    applications = sa.table(
        "applications",
        sa.column("id", sa.Integer),
        sa.column("reference", sa.String),
        sa.column("agreed_at", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    for (application_id,) in connection.execute(sa.select(applications.c.id)).all():
        letters = "".join(secrets.choice(LETTERS) for _ in range(8))
        connection.execute(
            applications.update()
            .where(applications.c.id == application_id)
            .values(reference=f"Applicant {letters[:4]}-{letters[4:]}", agreed_at=applications.c.created_at)
        )

    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.alter_column("reference", existing_type=sa.String(length=20), nullable=False)

    with op.batch_alter_table("vacancies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("age_band", sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("vacancies", schema=None) as batch_op:
        batch_op.drop_column("age_band")

    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("agreed_at")
        batch_op.drop_column("reference")
