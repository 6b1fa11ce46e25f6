"""the ballot box written apart from the record of who voted

Revision ID: 0004
Revises: 0003
Created: 2026-12-02 00:55:00
"""

import random

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seal_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_participations_seal_hash"), ["seal_hash"])
    _write_stored_ballots_again_shuffled()


def _write_stored_ballots_again_shuffled() -> None:
    # Ballots written before the ballot box were each written with their participation, so their
    # system columns (xmin, ctid) and places in the table follow the votes: written again, all in one
    # transaction and in random order, they no longer do.
    ballots = sa.table(
        "ballots", sa.column("id"), sa.column("proposal_id"), sa.column("option"), sa.column("receipt_hash")
    )
    connection = op.get_bind()
    rows = [dict(row._mapping) for row in connection.execute(sa.select(ballots))]
    if not rows:
        return
    random.SystemRandom().shuffle(rows)
    connection.execute(sa.delete(ballots))
    connection.execute(sa.insert(ballots), rows)


def downgrade() -> None:
    with op.batch_alter_table("participations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_participations_seal_hash"), type_="unique")
        batch_op.drop_column("seal_hash")
