"""The upload page. With JavaScript, the archive is read in the browser (``browser.py`` receives
the ids); the form below is the server-side upload, for people without JavaScript, for archives
the browser cannot read, and for API clients.

Files are streamed by Django to temporary files on disk (never held in memory), read in place by
the parser, and deleted when the request ends, whatever happened.
"""

from __future__ import annotations

from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from envol.archive.browser import page_strings
from envol.archive.errors import ArchiveError
from envol.archive.messages import describe, describe_code
from envol.archive.models import ArchiveImport, Source
from envol.archive.service import ingest
from envol.archive.slots import RETRY_AFTER, BusyError, reading_slot
from envol.core.config import CONFIG
from envol.registry.models import Person
from envol.registry.service import verified_x_account
from envol.registry.session import person_required

MAX_FILES = 10  # a zip, or the .js files: follower(-partN), following(-partN), account, manifest, block, mute


@require_http_methods(["GET", "POST"])
@person_required
def upload(request: HttpRequest, person: Person) -> HttpResponse:
    verified = verified_x_account(person)
    context: dict[str, object] = {
        "page": "upload",
        "current": ArchiveImport.objects.filter(person=person).first(),
        # For the in-browser reader: its strings, and the X id an archive must belong to.
        "browser_strings": page_strings(),
        "verified_x_id": verified.stable_id if verified else "",
    }
    if request.method == "POST":
        if _declared_length(request) > CONFIG.upload_max_bytes:  # (the ASGI cap answers first)
            context["error"] = describe_code("upload_too_large")
            return render(request, "archive/upload.html", context, status=413)
        files = request.FILES.getlist("files")
        status = 400
        if not files:
            context["error"] = describe_missing()
        elif len(files) > MAX_FILES:
            context["error"] = describe_too_many()
        else:
            paths = [Path(f.temporary_file_path()) for f in files]  # type: ignore[attr-defined]
            names = {path.name: f.name or "" for path, f in zip(paths, files, strict=True)}
            try:
                honour = request.POST.get("honour_blocks") == "on"
                with reading_slot(paths[0].name):
                    context["result"] = ingest(
                        paths, person=person, source=Source.UPLOAD, honour_blocks=honour
                    )
                context["current"] = ArchiveImport.objects.filter(person=person).first()
                status = 200
            except BusyError as error:
                context["error"] = describe(error, names)
                response = render(request, "archive/upload.html", context, status=503)
                response["Retry-After"] = str(RETRY_AFTER)
                return response
            except ArchiveError as error:
                context["error"] = describe(error, names)
            finally:
                for f in files:
                    f.close()  # deletes the temporary file
        return render(request, "archive/upload.html", context, status=status)
    return render(request, "archive/upload.html", context)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def describe_missing() -> str:
    return gettext("Choose your archive zip, or its follower.js and following.js files.")


def describe_too_many() -> str:
    return gettext(
        "Too many files: send the archive zip, or only its follower, following, account and manifest files."
    )
