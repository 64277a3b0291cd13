"""`envol rotate-keys`: re-encrypt stored platform tokens and secrets under the newest key."""

from __future__ import annotations

import argparse
import sys

from envol.cli.main import Command, setup_django


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Re-encrypt every stored token and secret under the first key of ENVOL_TOKEN_KEYS. "
        "Run it after putting a new key first; drop the old key only once it succeeded."
    )


def run(args: argparse.Namespace) -> int:
    setup_django()
    from envol.core.crypto import TokenKeyError
    from envol.registry.key_rotation import rotate_token_keys

    try:
        counts = rotate_token_keys()
    except TokenKeyError as error:
        print(f"envol rotate-keys: {error}; nothing was changed (is an old key missing?)", file=sys.stderr)
        return 1
    for label, count in counts.items():
        print(f"{label}: {count:,} re-encrypted")
    print(f"Total: {sum(counts.values()):,} values now under the first key.")
    return 0


COMMANDS = [
    Command(
        "rotate-keys",
        "re-encrypt stored tokens and secrets under the first ENVOL_TOKEN_KEYS key",
        configure,
        run,
    )
]
