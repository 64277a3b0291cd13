"""Sign in with Bluesky through an app password: the fallback, for when OAuth does not work.

The app password is used for one call (``createSession`` at the PDS the DID document names) and
kept nowhere: not in the database, not in the session, not in error reports
(``sensitive_post_parameters``). A main password is refused: its session is ended at once.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from envol.core.ids import Platform
from envol.platforms.bluesky.errors import WrongPassword
from envol.platforms.bluesky.identity import resolve
from envol.platforms.bluesky.password import PasswordCredentials
from envol.platforms.bluesky.session_claims import made_with_main_password
from envol.platforms.errors import PlatformError
from envol.platforms.http import SafeHttp
from envol.registry.bluesky_tokens import end_session_quietly, store_password_session
from envol.registry.linking import ProvenIdentity
from envol.registry.models import Account
from envol.registry.session import current_person
from envol.signin.bluesky import identity_error
from envol.signin.flow import back_to_start, finish_proof


@sensitive_post_parameters("app_password")
@require_POST
def sign_in(request: HttpRequest) -> HttpResponse:
    written = request.POST.get("identifier", "")
    with SafeHttp() as http:
        try:
            identity = resolve(written, http)
            session = PasswordCredentials.create_session(
                http, identity.pds_url, identity.did, request.POST.get("app_password", "")
            )
        except WrongPassword:
            messages.error(
                request, _("Bluesky refused this handle and app password. Check both and try again.")
            )
            return back_to_start(request)
        except PlatformError as error:
            messages.error(request, identity_error(error, written))
            return back_to_start(request)
        if made_with_main_password(session.access_jwt) or session.did != identity.did:
            end_session_quietly(session, http)
            text = _(
                "This is your main Bluesky password: Envol does not accept it, and has closed the "
                "session at once. Create an app password in Bluesky's settings and use that instead."
            )
            if session.did != identity.did:
                text = _("Your Bluesky server answered for another account. Nothing was linked.")
            messages.error(request, text)
            return back_to_start(request)
        proven = ProvenIdentity(
            Platform.BLUESKY, identity.did, identity.handle or identity.did, access_token=session.access_jwt
        )
        with transaction.atomic():
            response = finish_proof(request, proven)
            person = current_person(request)
            account = Account.objects.filter(platform=Platform.BLUESKY, stable_id=identity.did).first()
            if account is not None and person is not None and account.person_id == person.pk:
                store_password_session(account, session)
                return response
        end_session_quietly(session, http)  # refused: the session must not stay open behind us
        return response
