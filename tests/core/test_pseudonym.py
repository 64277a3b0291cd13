from __future__ import annotations

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from envol.core.pseudonym import CHUNK, Pseudonymizer

KEY = bytes(range(32))
uint64 = st.integers(min_value=0, max_value=2**64 - 1)


def _reference(secret: bytes, x_id: int) -> int:
    """The definition, written out one id at a time with the standard library's help."""
    import hashlib
    import hmac

    aes_key = hmac.new(secret, b"envol x-key v1", hashlib.sha256).digest()[:16]
    block = x_id.to_bytes(8, "little") + bytes(8)
    encrypted = Cipher(algorithms.AES(aes_key), modes.ECB()).encryptor().update(block)  # noqa: S305
    return int.from_bytes(encrypted[:8], "little", signed=True)


@given(st.lists(uint64, max_size=50))
def test_vectorised_keys_match_the_definition(ids: list[int]) -> None:
    keys = Pseudonymizer(KEY).keys(np.array(ids, dtype=np.uint64))
    assert keys.tolist() == [_reference(KEY, x) for x in ids]


@given(uint64)
def test_single_key_matches_the_vectorised_one(x_id: int) -> None:
    p = Pseudonymizer(KEY)
    assert p.key(x_id) == int(p.keys(np.array([x_id], dtype=np.uint64))[0])


def test_chunk_boundaries_do_not_change_results() -> None:
    ids = np.arange(CHUNK + 5, dtype=np.uint64) * np.uint64(7919)
    keys = Pseudonymizer(KEY).keys(ids)
    assert keys[CHUNK - 1] == _reference(KEY, int(ids[CHUNK - 1]))
    assert keys[CHUNK + 4] == _reference(KEY, int(ids[CHUNK + 4]))
    assert len(np.unique(keys)) == len(ids)


def test_another_key_gives_unrelated_pseudonyms() -> None:
    ids = np.arange(1000, dtype=np.uint64)
    assert not np.any(Pseudonymizer(KEY).keys(ids) == Pseudonymizer(b"other key" * 4).keys(ids))


def test_pseudonym_is_not_the_id() -> None:
    ids = np.array([0, 1, 783214, 2**63, 2**64 - 1], dtype=np.uint64)
    assert not np.any(Pseudonymizer(KEY).keys(ids).view(np.uint64) == ids)


def test_in_place_computation_gives_the_same_keys() -> None:
    ids = np.arange(CHUNK * 2 + 3, dtype=np.uint64) * np.uint64(104729)
    expected = Pseudonymizer(KEY).keys(ids)
    buffer = ids.copy()
    result = Pseudonymizer(KEY).keys(buffer, out=buffer.view(np.int64))
    assert np.array_equal(result, expected)
    assert np.shares_memory(result, buffer)
