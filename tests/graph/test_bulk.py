from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from envol.graph.bulk import count_distinct, distinct_batches

keys = st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), max_size=60)


@given(keys, st.integers(min_value=1, max_value=7))
def test_distinct_batches_give_each_key_once_in_order(values: list[int], size: int) -> None:
    array = np.sort(np.array(values, dtype=np.int64))
    joined = [int(x) for batch in distinct_batches(array, size) for x in batch]
    assert joined == sorted(set(values))
    assert count_distinct(array) == len(set(values))
