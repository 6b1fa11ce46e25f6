"""people: whether her email address is verified

Revision ID: 0002
Revises: 0001
Created: 2026-12-02 12:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # People known before this are taken as unverified until account.email_verified says otherwise
    # (only the essential kinds are emailed to them meanwhile).
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_verified", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("email_verified")
