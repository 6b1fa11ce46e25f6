"""Count what a request asks of the database: the statements sent and the transactions committed."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclasses.dataclass
class Tally:
    """The statements (their SQL, in order) and the commits seen on one engine."""

    statements: list[str] = dataclasses.field(default_factory=list)
    commits: int = 0

    def __str__(self) -> str:
        return f"{len(self.statements)} statements, {self.commits} commits:\n  " + "\n  ".join(self.statements)


@contextlib.contextmanager
def counting(engine: Engine) -> Iterator[Tally]:
    """Count the statements and commits an engine sends while the block runs."""
    tally = Tally()

    def on_statement(_connection, _cursor, statement, _parameters, _context, _executemany):
        tally.statements.append(" ".join(statement.split()))

    def on_commit(_connection):
        tally.commits += 1

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    try:
        yield tally
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)
