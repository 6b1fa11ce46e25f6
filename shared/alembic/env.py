"""Alembic's environment for every service: run its migrations on the connection it was given.

``shared.migrations`` builds the configuration (the service's own history and version table) and
passes the connection and the service's metadata in ``config.attributes``; nothing here reads a URL.
"""

from alembic import context
from sqlalchemy.types import TypeDecorator

from shared.migrations import for_this_database, version_table


def render_item(kind, item, _autogen_context):
    """Write a column of one of our own types as the type the database stores, so that a migration
    never imports the code it was generated from (the code changes; a migration must not)."""
    if kind == "type" and isinstance(item, TypeDecorator):
        return f"sa.{item.impl!r}"
    return False


attributes = context.config.attributes
context.configure(
    connection=attributes["connection"],
    target_metadata=attributes["metadata"],
    version_table=version_table(attributes["service"]),
    # SQLite cannot alter most of a table in place: batch mode copies the table instead.
    render_as_batch=True,
    compare_type=True,
    render_item=render_item,
    include_object=for_this_database(attributes["connection"]),
)
with context.begin_transaction():
    context.run_migrations()
