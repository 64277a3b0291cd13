"""Persons and their proven (or merely claimed) accounts on X, Bluesky and Mastodon."""
