"""What each archive problem is called in the person's language (the parser's own messages are
English, for logs and the command line)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from envol.archive.errors import ArchiveError

MESSAGES: dict[str, Promise] = {
    "not_a_zip": _("“%(file)s” is not a zip archive nor an X data file."),
    "unsupported_input": _(
        "These files cannot be read together: send either the archive zip, or its .js files."
    ),
    "no_lists": _("“%(file)s” contains neither follower.js nor following.js: there is no list to import."),
    "missing_list": _(
        "“%(file)s” is missing from the upload, although the archive's table of contents lists it."
    ),
    "truncated": _("“%(file)s” is incomplete: the download or the copy was probably cut short."),
    "zip_bomb": _(
        "“%(file)s” would unpack to more than Envol accepts. Send follower.js and following.js instead."
    ),
    "unsupported_zip": _(
        "“%(file)s” uses a compression Envol cannot read. Send follower.js and following.js instead."
    ),
    "malformed": _("“%(file)s” is not in the format X uses: it may have been edited or damaged."),
    "bad_id": _("“%(file)s” contains an account id that is not a number."),
    "count_mismatch": _("“%(file)s” does not hold as many accounts as the archive's table of contents says."),
    "owner_mismatch": _("The archive's account.js and manifest.js name two different accounts."),
    "duplicate_member": _("“%(file)s” appears twice in the archive."),
    "not_your_archive": _("This archive belongs to another X account than the one you signed in with."),
    "no_owner": _(
        "Add account.js (from the archive's data folder): Envol needs it to know whose lists these are."
    ),
    # Met only on the browser path (the worker, or the server decoding the browser's upload).
    "deflate64": _(
        "“%(file)s” was re-zipped with a compression browsers cannot read (Deflate64). "
        "Use the form below to have Envol read it instead."
    ),
    "bad_upload": _("The ids sent by your browser arrived damaged. Try again."),
    "upload_too_large": _("This upload is larger than Envol accepts."),
    "busy": _("Envol is reading other archives right now. Try again in a minute."),
}


#: What the parsers (envol.archive.filesource and the browser's extract-worker.js) call a set of loose
#: .js files in their English messages; a page says it in the person's language instead.
LOOSE_FILES = "the uploaded files"


def describe(error: ArchiveError, names: Mapping[str, str] | None = None) -> str:
    """The message for ``error``; ``names`` maps temporary file names back to the uploaded ones."""
    file = error.file.rsplit("/", 1)[-1]
    return describe_code(error.code, (names or {}).get(file, file))


def describe_code(code: str, file: str = "") -> str:
    if file == LOOSE_FILES:
        return str(LOOSE_MESSAGES.get(code, _("The files you sent cannot be read.")))
    template = MESSAGES.get(code)
    if template is None:
        return str(_("This archive cannot be read."))
    return str(template) % {"file": file or _("the archive")}


#: The messages whose subject is the whole upload, for a set of loose files (no file name to quote).
LOOSE_MESSAGES: dict[str, Promise] = {
    "no_lists": _(
        "The files you sent contain neither follower.js nor following.js: there is no list to import."
    ),
}
