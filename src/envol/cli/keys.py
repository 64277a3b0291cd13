"""`envol rotate-keys`: re-encrypt stored platform tokens and secrets under the newest key."""

from __future__ import annotations

import argparse
import sys

from envol.core.crypto import TokenKeyError
from envol.registry.key_rotation import rotate_token_keys


def run(args: argparse.Namespace) -> int:
    try:
        counts = rotate_token_keys()
    except TokenKeyError as error:
        print(f"envol rotate-keys: {error}; nothing was changed (is an old key missing?)", file=sys.stderr)
        return 1
    for label, count in counts.items():
        print(f"{label}: {count:,} re-encrypted")
    print(f"Total: {sum(counts.values()):,} values now under the first key.")
    return 0
