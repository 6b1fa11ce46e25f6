"""accounts' email_verified_at; account.registered published for accounts that never had it

Revision ID: 0006
Revises: 0005
Created: 2026-12-02 12:30:00

Accounts already in use are taken as verified at their created_at. Accounts made before
account.registered was published (earlier installs) get it now, with ``email_verified`` true: written
into the outbox here, in the migration's own transaction, so it happens exactly once and with the
schema change (a command would need its own record of having run). Accounts whose account.registered
is in the outbox already are left out.
"""

import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

accounts = sa.table("accounts", sa.column("id", sa.Integer), sa.column("email", sa.String),
                    sa.column("display_name", sa.String), sa.column("roles", sa.JSON),
                    sa.column("created_at", sa.DateTime(timezone=True)),
                    sa.column("email_verified_at", sa.DateTime(timezone=True)))
outbox = sa.table("outbox", sa.column("event_id", sa.String), sa.column("event_type", sa.String),
                  sa.column("envelope", sa.JSON), sa.column("created_at", sa.DateTime(timezone=True)),
                  sa.column("attempts", sa.Integer), sa.column("next_attempt_at", sa.DateTime(timezone=True)))


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    connection.execute(sa.update(accounts).values(email_verified_at=accounts.c.created_at))
    _publish_registrations_never_published(connection)


def _publish_registrations_never_published(connection) -> None:
    said = {envelope["data"]["account_id"] for envelope in connection.execute(
        sa.select(outbox.c.envelope).where(outbox.c.event_type == "account.registered")).scalars()}
    now = dt.datetime.now(dt.UTC)
    rows = []
    for account in connection.execute(sa.select(accounts).order_by(accounts.c.id)):
        if account.id in said:
            continue
        event_id = str(uuid.uuid4())
        data = {"account_id": account.id, "email": account.email, "display_name": account.display_name,
                "roles": list(account.roles or []), "email_verified": True, "occurred_at": now.isoformat()}
        envelope = {"id": event_id, "type": "account.registered", "version": 1, "occurred_at": now.isoformat(),
                    "source": "members", "correlation_id": uuid.uuid4().hex, "causation_id": None, "data": data}
        rows.append({"event_id": event_id, "event_type": "account.registered", "envelope": envelope,
                     "created_at": now, "attempts": 0, "next_attempt_at": now})
    if rows:
        connection.execute(sa.insert(outbox), rows)


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")
