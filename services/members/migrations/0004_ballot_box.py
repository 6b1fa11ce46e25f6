"""the ballot box written apart from the record of who voted

Revision ID: 0004
Revises: 0003
Created: 2026-12-02 00:55:00
"""

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
