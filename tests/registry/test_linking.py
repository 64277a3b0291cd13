"""The registry's trust rules (envol.registry.linking), without any platform."""

from __future__ import annotations

import pytest

from envol.archive.models import ArchiveImport, Source
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.registry.errors import (
    AccountTakenError,
    LastAccountError,
    PlatformAlreadyLinkedError,
    UnvouchedAccountError,
)
from envol.registry.linking import Outcome, ProvenIdentity, mark_needs_reauth, prove_account, unlink
from envol.registry.models import Account, Person, Verification
from envol.registry.service import person_for_claimed_x_owner

pytestmark = pytest.mark.django_db

X = ProvenIdentity(Platform.X, "4242", "alice_x", "Alice")
MASTO = ProvenIdentity(
    Platform.MASTODON,
    "https://m.test/users/alice",
    "alice@m.test",
    "Alice",
    access_token="tok-1",
    token_scope="read:accounts read:follows write:follows",
    authority=frozenset({"m.test"}),
)


def _import(person: Person, owner: str, *, verified: bool = False) -> ArchiveImport:
    return ArchiveImport.objects.create(
        person=person, owner_x_id=owner, owner_handle="h", owner_verified=verified, source=Source.COMMAND_LINE
    )


def test_first_sign_in_creates_a_person_with_a_verified_account() -> None:
    result = prove_account(X, signed_in=None)
    assert result.outcome is Outcome.NEW_PERSON
    account = Account.objects.get(platform=Platform.X, stable_id="4242")
    assert account.person == result.person
    assert account.verification == Verification.VERIFIED
    assert account.verified_at is not None
    assert account.x_key == pseudonymizer().key(4242)
    assert account.access_token is None  # X leaves nothing to keep


def test_signing_in_again_finds_the_person_and_refreshes_the_handle() -> None:
    first = prove_account(X, signed_in=None)
    again = prove_account(ProvenIdentity(Platform.X, "4242", "alice_renamed", "Alice R."), signed_in=None)
    assert (again.outcome, again.person) == (Outcome.SIGNED_IN, first.person)
    account = Account.objects.get(stable_id="4242")
    assert (account.handle, account.display_name) == ("alice_renamed", "Alice R.")
    assert Person.objects.count() == 1


def test_linking_attaches_to_the_signed_in_person_and_signs_in_with_either() -> None:
    person = prove_account(X, signed_in=None).person
    linked = prove_account(MASTO, signed_in=person)
    assert (linked.outcome, linked.person) == (Outcome.LINKED, person)
    assert prove_account(MASTO, signed_in=None).person == person
    stored = Account.objects.get(platform=Platform.MASTODON)
    assert stored.access_token == "tok-1"
    assert stored.token_scope.startswith("read:accounts")


def test_an_account_of_another_person_is_refused_never_merged() -> None:
    alice = prove_account(X, signed_in=None).person
    bob = prove_account(MASTO, signed_in=None).person
    with pytest.raises(AccountTakenError) as refused:
        prove_account(MASTO, signed_in=alice)
    assert refused.value.platform is Platform.MASTODON
    assert "already verified for another person" in str(refused.value)
    assert Account.objects.get(platform=Platform.MASTODON).person == bob
    assert Person.objects.count() == 2


def test_one_verified_account_per_platform() -> None:
    person = prove_account(MASTO, signed_in=None).person
    other = ProvenIdentity(Platform.MASTODON, "https://n.test/users/al", "al@n.test", access_token="t",
                             authority=frozenset({"n.test"}))  # fmt: skip
    with pytest.raises(PlatformAlreadyLinkedError) as refused:
        prove_account(other, signed_in=person)
    assert refused.value.handle == "alice@m.test"
    assert not Account.objects.filter(stable_id=other.stable_id).exists()


def test_a_claimed_archive_owner_who_signs_in_becomes_that_person() -> None:
    claimed = person_for_claimed_x_owner(4242, "old_handle", "Alice")
    _import(claimed, "4242")
    result = prove_account(X, signed_in=None)
    assert (result.outcome, result.person) == (Outcome.CLAIM_PROVEN, claimed)
    account = Account.objects.get(stable_id="4242")
    assert (account.verification, account.handle) == (Verification.VERIFIED, "alice_x")
    assert ArchiveImport.objects.get().owner_verified is True


def test_a_claimed_account_proven_while_signed_in_moves_with_its_import() -> None:
    claimed = person_for_claimed_x_owner(4242, "alice_x", "Alice")
    record = _import(claimed, "4242")
    me = prove_account(MASTO, signed_in=None).person
    result = prove_account(X, signed_in=me)
    assert (result.outcome, result.person) == (Outcome.CLAIM_PROVEN, me)
    assert Account.objects.get(stable_id="4242").person == me
    moved = ArchiveImport.objects.get()
    assert (moved.pk, moved.person, moved.owner_verified) == (record.pk, me, True)
    assert not Person.objects.filter(pk=claimed.pk).exists()  # nothing was left on it


def test_when_both_hold_an_import_the_newer_one_stays() -> None:
    claimed = person_for_claimed_x_owner(4242, "alice_x", "Alice")
    _import(claimed, "4242")
    me = prove_account(MASTO, signed_in=None).person
    mine = _import(me, "4242")  # uploaded after the command-line import
    prove_account(X, signed_in=me)
    kept = ArchiveImport.objects.get()
    assert (kept.pk, kept.person, kept.owner_verified) == (mine.pk, me, True)


def test_unlink_removes_the_account_and_unverifies_the_archive() -> None:
    person = prove_account(X, signed_in=None).person
    prove_account(MASTO, signed_in=person)
    _import(person, "4242", verified=True)
    x_account = Account.objects.get(platform=Platform.X)
    gone = unlink(person, x_account.pk)
    assert gone.stable_id == "4242"
    assert list(person.accounts.values_list("platform", flat=True)) == [Platform.MASTODON.value]
    assert ArchiveImport.objects.get().owner_verified is False


def test_the_last_account_cannot_be_unlinked() -> None:
    person = prove_account(MASTO, signed_in=None).person
    with pytest.raises(LastAccountError):
        unlink(person, Account.objects.get().pk)
    assert Account.objects.count() == 1


def test_nobody_unlinks_someone_elses_account() -> None:
    alice = prove_account(X, signed_in=None).person
    prove_account(MASTO, signed_in=alice)
    mallory = Person.objects.create(findable_by="everyone")
    with pytest.raises(Account.DoesNotExist):
        unlink(mallory, Account.objects.get(platform=Platform.MASTODON).pk)


def test_needs_reauth_is_set_and_cleared_by_the_next_sign_in() -> None:
    person = prove_account(MASTO, signed_in=None).person
    account = Account.objects.get(platform=Platform.MASTODON)
    mark_needs_reauth(account, "401 The access token was revoked")
    stored = Account.objects.get(pk=account.pk)
    assert (stored.needs_reauth, stored.reauth_reason) == (True, "401 The access token was revoked")
    prove_account(MASTO, signed_in=person)
    assert Account.objects.get(pk=account.pk).needs_reauth is False


def test_a_mastodon_account_not_vouched_for_by_its_server_is_refused_and_nothing_stored() -> None:
    # A server named evil.test proving an actor of m.test: the registry refuses whatever the caller did.
    forged = ProvenIdentity(Platform.MASTODON, "https://m.test/users/alice", "alice@m.test",
                            access_token="evil", authority=frozenset({"evil.test"}))  # fmt: skip
    with pytest.raises(UnvouchedAccountError):
        prove_account(forged, signed_in=None)
    with pytest.raises(UnvouchedAccountError):
        prove_account(
            ProvenIdentity(Platform.MASTODON, "https://m.test/users/alice", "a@m.test"), signed_in=None
        )
    assert not Account.objects.exists()
    assert not Person.objects.exists()
