"""Pages of the media directory: the directory and its feeds, an outlet's page, the declaration
form with its confirmation link, and the share-widget generator."""

from __future__ import annotations

import json
from urllib.parse import quote

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from envol.core.config import CONFIG
from envol.core.security import policy_for_own_inline_code
from envol.media import directory, labels
from envol.media.antispam import (
    HONEYPOT_FIELD,
    claim_started,
    filled_too_fast,
    form_started_token,
    over_daily_limit,
)
from envol.media.forms import DeclarationForm
from envol.media.models import DECLARED_FIELDS, Kind, MediaOutlet, Status
from envol.media.service import DeclarationError, confirm, declaration_for_token, submit
from envol.media.widget import LANGUAGES, MAX_BYTES, WidgetOptions, inline_hashes, snippet


def directory_page(request: HttpRequest) -> HttpResponse:
    query = directory.Query.from_params(request.GET)
    page = Paginator(directory.outlets(query), directory.PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": "media",
        "query": query,
        "outlets": page,
        "counts": [(value, label, n) for (value, label), n in
                   zip(Status.choices, directory.counts_per_status().values(), strict=True)],
        "statuses": Status.choices,
        "kinds": Kind.choices,
        "countries": directory.countries(),
        "sorts": _sort_labels(),
        "params": params.urlencode(),
    }  # fmt: skip
    return render(request, "media/directory.html", context)


def _sort_labels() -> list[tuple[str, str]]:
    return [("name", _("Name")), ("country", _("Country")), ("recent", _("Latest change")),
            ("status", _("Position"))]  # fmt: skip


def _published(slug: str) -> MediaOutlet:
    return get_object_or_404(MediaOutlet, slug=slug, published=True)


def outlet_page(request: HttpRequest, slug: str) -> HttpResponse:
    outlet = _published(slug)
    figures = {f.network: f for f in outlet.figures.all()}
    changes = [
        {"at": change.changed_at, "label": labels.label(change.field),
         "old": labels.readable(change.field, change.old_value),
         "new": labels.readable(change.field, change.new_value)}
        for change in outlet.changes.exclude(field="published")[:50]
    ]  # fmt: skip
    context = {
        "page": "media",
        "outlet": outlet,
        "figures": figures,
        "figures_at": max((f.computed_at for f in figures.values()), default=None),
        "changes": changes,
        "mastodon_profile": labels.mastodon_profile(outlet.mastodon),
    }
    return render(request, "media/outlet.html", context)


def feed_json(request: HttpRequest) -> HttpResponse:
    rows = directory.feed_rows(directory.published().order_by("name", "pk"))
    body = json.dumps({"count": len(rows), "outlets": rows}, ensure_ascii=False, indent=1)
    return _open_data(HttpResponse(body, content_type="application/json; charset=utf-8"))


def _open_data(response: HttpResponse) -> HttpResponse:
    """Public data any site may read from a browser (no credentials are ever involved)."""
    response["Access-Control-Allow-Origin"] = "*"
    return response


def feed_csv(request: HttpRequest) -> HttpResponse:
    rows = directory.feed_rows(directory.published().order_by("name", "pk"))
    response = HttpResponse(directory.to_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="envol-media-directory.csv"'
    return _open_data(response)


def _base_url(request: HttpRequest) -> str:
    return CONFIG.public_url or request.build_absolute_uri("/")


@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    outlet = _published(slug) if slug else None
    initial = {f: getattr(outlet, f) for f in DECLARED_FIELDS} if outlet else {}
    if request.method == "POST":
        data = request.POST.copy()
        form = DeclarationForm(data, initial=initial, outlet=outlet)
        if request.POST.get(HONEYPOT_FIELD):
            return redirect("media_declared")  # a robot: thank it, keep nothing
        if form.is_valid():
            if filled_too_fast(form.cleaned_data["started"]):
                form.add_error(
                    None, _("That was quicker than a person types: please check the form and send it again.")
                )
                data["started"] = form_started_token()  # the next try counts from now
            elif over_daily_limit(form.cleaned_data["email"], form.domain() or ""):
                form.add_error(
                    None, _("Too many declarations from this address or domain today: try again tomorrow.")
                )
            elif not claim_started(form.cleaned_data["started"]):  # one shown form sends one e-mail
                form.add_error(None, _("This form was already sent once: check it and send it again."))
                data["started"] = form_started_token()
            else:
                submit(form.declared(), email=form.cleaned_data["email"], outlet=outlet,
                       language=translation.get_language() or "en", base_url=_base_url(request))  # fmt: skip
                return redirect("media_declared")
    else:
        form = DeclarationForm(initial={**initial, "started": form_started_token()}, outlet=outlet)
    return render(request, "media/declare.html", {"page": "media", "form": form, "outlet": outlet})


def declared(request: HttpRequest) -> HttpResponse:
    return render(request, "media/declared.html", {"page": "media"})


@require_http_methods(["GET", "POST"])
def confirm_declaration(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST confirms: mail scanners that follow links confirm nothing."""
    try:
        declaration = confirm(token) if request.method == "POST" else declaration_for_token(token)
    except DeclarationError:
        return render(request, "media/confirm.html", {"page": "media", "stale": True}, status=410)
    context = {"page": "media", "declaration": declaration, "done": request.method == "POST"}
    return render(request, "media/confirm.html", context)


def _widget_options(request: HttpRequest) -> WidgetOptions:
    """The generator's options; the buttons speak the generator page's language unless chosen."""
    return WidgetOptions.from_params(request.GET, default_language=(translation.get_language() or "en")[:2])


def widget_generator(request: HttpRequest) -> HttpResponse:
    options = _widget_options(request)
    code = snippet(options, _base_url(request))
    context = {
        "page": "widget",
        "options": options,
        "code": code,
        "size": len(code.encode()),
        "max_bytes": MAX_BYTES,
        "hashes": inline_hashes(code),
        "widget_languages": LANGUAGES,
        "params": request.GET.urlencode(),
    }
    return render(request, "media/widget.html", context)


def widget_preview(request: HttpRequest) -> HttpResponse:
    """A bare page holding only the snippet: the generator's preview, and what tests load."""
    options = _widget_options(request)
    html = (
        f'<!doctype html><html lang="{options.language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_('Preview of the share buttons')}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:.5rem}</style></head>"
        f"<body>{snippet(options, _base_url(request))}</body></html>"
    )
    response = HttpResponse(html)
    response["X-Frame-Options"] = "SAMEORIGIN"  # the generator page frames it
    # The snippet's own <style> and <script> run here as on an outlet's site: allowed by their
    # hashes only (core/security.py), and framed by the generator page only.
    response._csp_config = policy_for_own_inline_code(html, framed_by_self=True)  # type: ignore[attr-defined]
    return response


def widget_snippet(request: HttpRequest) -> HttpResponse:
    if request.GET.get("lang", "en") not in LANGUAGES:
        raise Http404
    code = snippet(_widget_options(request), _base_url(request))
    response = HttpResponse(code, content_type="text/plain; charset=utf-8")
    # The generator's script shows these without a second request.
    size = render_to_string(
        "media/widget/_size.html", {"size": len(code.encode()), "max_bytes": MAX_BYTES}
    ).strip()
    response["X-Envol-Size"] = quote(size)  # in the generator page's language; headers are ASCII
    response["X-Envol-Hashes"] = " ".join(f"{kind}={source}" for kind, source in inline_hashes(code).items())
    return response
