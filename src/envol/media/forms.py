"""The declaration form: accounts typed in any form, the web domain, and the spam checks."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from envol.addresses.parse import parse_bluesky_identifier, parse_mastodon_address
from envol.media.antispam import HONEYPOT_FIELD
from envol.media.models import Kind, MediaOutlet, Status
from envol.media.rules import email_matches_site, parse_x_handle, site_domain


class DeclarationForm(forms.Form):
    name = forms.CharField(label=_("Name of the outlet"), max_length=200)
    website = forms.CharField(
        label=_("Web site"), max_length=300, help_text=_("For example https://www.example-news.org")
    )
    country = forms.RegexField(
        label=_("Country"),
        regex=r"^[A-Za-z]{2}$",
        max_length=2,
        help_text=_("Two-letter code: FR, BE, CH, CA, US…"),
        error_messages={"invalid": _("Enter the country as a two-letter code, such as FR.")},
    )
    kind = forms.ChoiceField(label=_("Kind of outlet"), choices=Kind.choices)
    status = forms.ChoiceField(label=_("Your position"), choices=Status.choices, widget=forms.RadioSelect)
    leaving_on = forms.DateField(
        label=_("Date you leave X"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Only if you leave on a date."),
    )
    bluesky = forms.CharField(
        label=_("Your Bluesky account"), required=False, max_length=300,
        help_text=_("Any form: @name.bsky.social, a bsky.app link, your domain…"),
    )  # fmt: skip
    mastodon = forms.CharField(
        label=_("Your Mastodon account"), required=False, max_length=300,
        help_text=_("Any form: @name@instance.social or a profile link."),
    )  # fmt: skip
    x_handle = forms.CharField(label=_("Your X account"), required=False, max_length=300)
    share_button_removed = forms.BooleanField(
        label=_("We have removed the “share on X” button from our site"), required=False
    )
    statement_url = forms.URLField(label=_("Link to your public statement"), required=False, max_length=500)
    email = forms.EmailField(
        label=_("Your e-mail address at the outlet"),
        help_text=_("It must be on the outlet's own web domain: we send the confirmation link there."),
    )
    # The honeypot: hidden from people by CSS and out of the tab order; robots fill it in.
    homepage = forms.CharField(label=_("Leave this field empty"), required=False)
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, outlet: MediaOutlet | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outlet = outlet
        self.fields[HONEYPOT_FIELD].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        if outlet is not None:  # an update: the outlet is known by its domain
            self.fields["website"].disabled = True

    def clean_name(self) -> str:
        # A name is one line: a CR or LF in it would also break the e-mail that quotes it.
        name: str = self.cleaned_data["name"]
        if any(unicodedata.category(char) == "Cc" for char in name):
            raise forms.ValidationError(_("Write the name on one line, without control characters."))
        return name

    def clean_website(self) -> str:
        website: str = self.cleaned_data["website"].strip()
        if site_domain(website) is None:
            raise forms.ValidationError(_("Enter the address of the outlet's web site."))
        return website if "://" in website else f"https://{website}"

    def clean_country(self) -> str:
        return str(self.cleaned_data["country"]).upper()

    def clean_bluesky(self) -> str:
        return self._parsed("bluesky", parse_bluesky_identifier, _("This is not a Bluesky account."))

    def clean_mastodon(self) -> str:
        def parse(text: str) -> str | None:
            address = parse_mastodon_address(text)
            return str(address) if address is not None else None

        return self._parsed("mastodon", parse, _("This is not a Mastodon account."))

    def clean_x_handle(self) -> str:
        return self._parsed("x_handle", parse_x_handle, _("This is not an X account."))

    def _parsed(self, field: str, parse: Any, message: Any) -> str:
        text = str(self.cleaned_data.get(field) or "").strip()
        if not text:
            return ""
        value = parse(text)
        if value is None:
            raise forms.ValidationError(message)
        return str(value)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == Status.LEAVING and not data.get("leaving_on"):
            self.add_error("leaving_on", _("Say on which date you leave X."))
        if data.get("status") != Status.LEAVING:
            data["leaving_on"] = None
        domain = self.domain()
        email = data.get("email")
        if domain and email and not email_matches_site(email, domain):
            message = _("Use an address on %(domain)s, the outlet's own web domain.") % {"domain": domain}
            self.add_error("email", message)
        return data

    def domain(self) -> str | None:
        if self.outlet is not None:
            return self.outlet.domain
        website = self.cleaned_data.get("website")
        return site_domain(website) if website else None

    def declared(self) -> dict[str, Any]:
        """The declared fields in JSON-ready form (what a Declaration stores)."""
        data = self.cleaned_data
        leaving_on: date | None = data.get("leaving_on")
        return {
            "name": data["name"],
            "country": data["country"],
            "website": self.outlet.website if self.outlet is not None else data["website"],
            "kind": data["kind"],
            "status": data["status"],
            "leaving_on": leaving_on.isoformat() if leaving_on else None,
            "bluesky": data["bluesky"],
            "mastodon": data["mastodon"],
            "x_handle": data["x_handle"],
            "share_button_removed": bool(data["share_button_removed"]),
            "statement_url": data["statement_url"],
        }
