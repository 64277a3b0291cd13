"""Proving an account: the sign-in page and one flow per platform (X and Mastodon OAuth, Bluesky
AT Protocol OAuth with the app-password fallback). Each flow ends in ``flow.finish_proof``, which
hands the proven identity to the registry's trust rules (``registry.linking``)."""
