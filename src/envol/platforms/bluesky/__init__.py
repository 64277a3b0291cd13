"""The Bluesky (AT Protocol) connector: identity, OAuth, repository reads and writes, profiles."""
