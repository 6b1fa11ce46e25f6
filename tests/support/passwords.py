"""Argon2 at its smallest cost, for tests: the same code and library, a hash in a millisecond.

The service's own parameters (argon2-cffi's defaults) take about 0.2 s a hash on these cores, and the
suite makes thousands of accounts. A test marked ``real_password_hashing`` keeps the real ones.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
CHEAP_DUMMY = CHEAP.hash("not a real password")


@contextlib.contextmanager
def cheap_password_hashes() -> Iterator[None]:
    """Hash and verify passwords with the cheapest argon2 while the block runs."""
    from services.members import accounts

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", CHEAP)
        patch.setattr(accounts, "_DUMMY_HASH", CHEAP_DUMMY)
        yield
