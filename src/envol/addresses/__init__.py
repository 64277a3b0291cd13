"""Account addresses in any written form: pure parsing, no Django and no network.

``parse`` is the entry point (find every Mastodon and Bluesky address in a text, or read one typed
address); the other modules are its parts: ``textnorm`` folds the text, ``scanner`` finds
address-shaped stretches, ``readers`` reads each one, ``surroundings`` decides from nearby words
whether an ambiguous form is an address, ``syntax`` holds the grammar, ``hosts`` the domains known
not to be instances, ``bridgy`` the Bridgy Fed bridge's address forms. ``platforms``, ``matching``,
``media`` and ``cli`` all read addresses through this package, which imports nothing of theirs.
"""
