"""Discovery endpoints: NodeInfo, instance details, WebFinger, host-meta, OAuth metadata (notes §6-7).

Identity URLs (actor ids, profile pages, `subject`) use the instance's domain; URLs a client is meant
to fetch next (NodeInfo href, OAuth endpoints) point at the loopback address the client used.
"""

from __future__ import annotations

from typing import Any

from .context import Context
from .federation import split_acct
from .server import Request, Response

NODEINFO_REL = "http://nodeinfo.diaspora.software/ns/schema/2.0"
JRD = "application/jrd+json; charset=utf-8"


def nodeinfo_index(ctx: Context, req: Request) -> Response:
    return Response.json({"links": [{"rel": NODEINFO_REL, "href": f"{req.base_url}/nodeinfo/2.0"}]})


def nodeinfo(ctx: Context, req: Request) -> Response:
    users = sum(1 for a in ctx.state.accounts.values() if a.local and not a.suspended)
    body = {
        "version": "2.0",
        "software": {"name": ctx.config.software, "version": ctx.config.version},
        "protocols": ["activitypub"],
        "services": {"outbound": [], "inbound": []},
        "usage": {"users": {"total": users, "activeMonth": users, "activeHalfyear": users}, "localPosts": 0},
        "openRegistrations": ctx.config.open_registrations,
        "metadata": {"nodeName": ctx.config.title},
    }
    response = Response.json(body)
    response.content_type = f'application/json; profile="{NODEINFO_REL}#"'
    return response


def _contact(ctx: Context) -> dict[str, Any]:
    return {"email": f"admin@{ctx.config.domain}", "account": None}


def instance_v2(ctx: Context, req: Request) -> Response:
    if not ctx.config.has_instance_v2:
        return Response.error(404, "Not Found")
    config = ctx.config
    body: dict[str, Any] = {
        "domain": config.domain,
        "title": config.title,
        "version": config.display_version,
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "A fake server for tests.",
        "usage": {"users": {"active_month": 0}},
        "thumbnail": {"url": f"https://{config.web_domain}/packs/media/images/preview.png"},
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": f"wss://{config.web_domain}", "status": None},
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": {
                "max_characters": 500,
                "max_media_attachments": 4,
                "characters_reserved_per_url": 23,
            },
            "translation": {"enabled": False},
        },
        "registrations": {"enabled": config.open_registrations, "approval_required": False, "message": None},
        "contact": _contact(ctx),
        "rules": [],
    }
    if config.mastodon_at_least(4, 3):
        body["api_versions"] = {"mastodon": 5 if config.mastodon_at_least(4, 4) else 2}
    return Response.json(body)


def instance_v1(ctx: Context, req: Request) -> Response:
    config = ctx.config
    users = sum(1 for a in ctx.state.accounts.values() if a.local)
    return Response.json(
        {
            "uri": config.domain,
            "title": config.title,
            "short_description": "A fake server for tests.",
            "description": "",
            "email": f"admin@{config.domain}",
            "version": config.display_version,
            "urls": {"streaming_api": f"wss://{config.web_domain}"},
            "stats": {"user_count": users, "status_count": 0, "domain_count": 0},
            "thumbnail": None,
            "languages": ["en"],
            "registrations": config.open_registrations,
            "approval_required": False,
            "invites_enabled": False,
            "configuration": {"statuses": {"max_characters": 500}},
            "contact_account": None,
            "rules": [],
        }
    )


def oauth_metadata(ctx: Context, req: Request) -> Response:
    if not ctx.config.has_oauth_metadata:
        return Response.error(404, "Not Found")  # < 4.3 (notes §3)
    base = req.base_url
    return Response.json(
        {
            "issuer": f"{base}/",
            "service_documentation": "https://docs.joinmastodon.org/",
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "app_registration_endpoint": f"{base}/api/v1/apps",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "scopes_supported": sorted(ctx.config.scopes),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }
    )


def webfinger(ctx: Context, req: Request) -> Response:
    resource = (req.param("resource") or "").strip()
    if not resource:
        return Response.error(400, "param is missing or the value is empty: resource")
    state = ctx.state
    if resource.startswith(("http://", "https://")):
        found = ctx.federation.resolve_url(resource)
        account = state.find(found.username, None) if found and found.domain == state.domain else None
    else:
        username, domain = split_acct(resource.removeprefix("acct:"))
        # Only local accounts, and only under one of this server's domains.
        account = state.find(username, None) if domain in state.local_domains() else None
    if account is None:
        return Response.error(404, "Record not found")
    if account.suspended:
        return Response.error(410, "Gone")
    links: list[dict[str, str]] = [
        {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": account.url},
        {"rel": "self", "type": "application/activity+json", "href": account.actor_uri},
        {
            "rel": "http://ostatus.org/schema/1.0/subscribe",
            "template": f"https://{state.web_domain}/authorize_interaction?uri={{uri}}",
        },
    ]
    body = {
        "subject": f"acct:{account.username}@{state.domain}",  # canonical case, may differ from the query
        "aliases": [account.url, account.actor_uri],
        "links": links,
    }
    response = Response.json(body)
    response.content_type = JRD
    return response


def host_meta(ctx: Context, req: Request) -> Response:
    # When LOCAL_DOMAIN and WEB_DOMAIN differ, clients find the WebFinger endpoint here (notes §7).
    template = f"https://{ctx.config.web_domain}/.well-known/webfinger?resource={{uri}}"
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{template}"/>\n</XRD>\n'
    )
    return Response(200, xml.encode(), "application/xrd+xml; charset=utf-8")
