"""Passwords are kept as argon2id hashes at no less than argon2-cffi's recommended cost.

The rest of the suite hashes cheaply (tests/support/passwords.py); these tests keep the real hasher.
"""

import pytest
from argon2 import PasswordHasher, Type

from services.members import accounts

pytestmark = pytest.mark.real_password_hashing


def test_the_service_hashes_with_argon2id_at_the_recommended_cost():
    recommended = PasswordHasher()
    hasher = accounts._hasher
    assert hasher.type is Type.ID
    assert hasher.time_cost >= recommended.time_cost and hasher.memory_cost >= recommended.memory_cost


def test_a_stored_hash_is_argon2id_with_the_services_parameters():
    stored = accounts._hasher.hash("correct horse battery")
    assert stored.startswith(f"$argon2id$v=19$m={accounts._hasher.memory_cost},t={accounts._hasher.time_cost}")
