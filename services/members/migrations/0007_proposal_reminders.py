"""when those who had not voted were reminded that a proposal closes soon

Revision ID: 0007
Revises: 0006
Created: 2026-12-02 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Left empty for every proposal already there: an open one closing within the reminder window is
    # reminded by the next run of the job, the others when their time comes (closed ones never).
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")
