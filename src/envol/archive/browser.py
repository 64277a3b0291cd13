"""The browser path: the page's worker reads the archive on the person's device and posts only the
compact upload (``compact.py``) here; this view decodes it with bounded memory and stores it
through the same ingestion service as every other upload. Answers are JSON, messages translated.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from envol.archive.compact import LABEL, CompactUpload, UploadTooLargeError
from envol.archive.errors import ArchiveError
from envol.archive.messages import LOOSE_FILES, MESSAGES, describe, describe_code
from envol.archive.models import Source
from envol.archive.service import IngestResult, ingest_lists
from envol.archive.slots import RETRY_AFTER, BusyError, reading_slot
from envol.core.config import CONFIG
from envol.registry.session import current_person

CONTENT_TYPE = "application/octet-stream"
UNVERIFIED = gettext_noop(
    "Sign in with X to confirm that this archive is yours: until then its lists count only as suggestions."
)


@require_POST
def browser_upload(request: HttpRequest) -> JsonResponse:
    person = current_person(request)
    if person is None:
        return _refusal("signed_out", _("Your session has ended: sign in again, then share your lists."), 403)
    if request.content_type != CONTENT_TYPE:
        return _refusal("bad_upload", describe_code("bad_upload"), 400)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _refusal("bad_upload", describe_code("bad_upload"), 400)
    if declared > CONFIG.browser_upload_max_bytes:
        return _refusal("upload_too_large", describe_code("upload_too_large"), 413)
    try:
        with reading_slot(LABEL):
            upload = CompactUpload(
                request,
                max_bytes=CONFIG.browser_upload_max_bytes,
                max_ids=CONFIG.browser_upload_max_ids,
                input_bytes=declared or None,
            )
            # The page sends block and mute ids only when the person ticked the box: their presence
            # is the opt-in.
            honour = upload.has_list("block") or upload.has_list("mute")
            result = ingest_lists(upload, person=person, source=Source.BROWSER, honour_blocks=honour)
    except BusyError as error:
        response = _refusal(error.code, describe(error), 503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    except UploadTooLargeError as error:
        return _refusal(error.code, describe(error), 413)
    except ArchiveError as error:
        return _refusal(error.code, describe(error), 400)
    return JsonResponse({"ok": True, **_summary(result)})


def _summary(result: IngestResult) -> dict[str, object]:
    message = done_message(result.followers, result.following)
    if result.blocked or result.muted:
        message += " " + honoured_message(result.blocked, result.muted)
    if not result.owner_verified:
        message += " " + _(UNVERIFIED)
    return {
        "followers": result.followers,
        "following": result.following,
        "owner_verified": result.owner_verified,
        "message": message,
    }


def done_message(followers: int, following: int) -> str:
    return _("Done: %(followers)s followers and %(following)s accounts you follow were shared.") % {
        "followers": followers,
        "following": following,
    }


def honoured_message(blocked: int, muted: int) -> str:
    return _(
        "Envol will honour your %(blocked)s blocks and %(muted)s mutes: those people never find you "
        "through Envol, and Envol never follows them for you."
    ) % {"blocked": blocked, "muted": muted}


def _refusal(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "code": code, "message": message}, status=status)


def page_strings() -> dict[str, object]:
    """What the page's script says, in the person's language (the script has no catalogue)."""
    return {
        "phases": {
            "reading": _("Reading your archive on this device…"),
            "checking": _("Checking and packing the ids…"),
            "sending": _("Sending the ids…"),
            "storing": _("Storing your lists…"),
        },
        "errors": {code: describe_code(code, "%(file)s") for code in MESSAGES},
        # Loose .js files have no name to quote: the worker calls them LOOSE_FILES, as the server does.
        "loose_files": LOOSE_FILES,
        "loose_errors": {code: describe_code(code, LOOSE_FILES) for code in MESSAGES},
        "fallback_error": _(
            "Your browser could not read this archive. Use the form below to have Envol read it."
        ),
        "network_error": _("The ids could not be sent: check your connection and try again."),
        "cancelled": _("Cancelled: nothing was sent."),
    }
