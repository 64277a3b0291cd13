"""Test support code shared by the suite (fixtures, harnesses). Not collected as tests."""
