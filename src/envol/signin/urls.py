from django.urls import path

from envol.signin import accounts, bluesky, bluesky_client, bluesky_password, findable, mastodon, views, x

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("sign-in/x/", x.start, name="x_sign_in"),
    path("sign-in/x/callback/", x.callback, name="x_callback"),
    path("sign-in/mastodon/", mastodon.start, name="mastodon_sign_in"),
    path("sign-in/mastodon/callback/", mastodon.callback, name="mastodon_callback"),
    path("sign-in/bluesky/", bluesky.start, name="bluesky_sign_in"),
    path("sign-in/bluesky/callback/", bluesky.callback, name="bluesky_callback"),
    path("sign-in/bluesky/app-password/", bluesky_password.sign_in, name="bluesky_app_password"),
    path(
        "oauth/bluesky/client-metadata.json", bluesky_client.metadata_document, name="bluesky_client_metadata"
    ),
    path("oauth/bluesky/jwks.json", bluesky_client.jwks_document, name="bluesky_jwks"),
    path("accounts/", accounts.accounts, name="accounts"),
    path("accounts/<int:account_id>/unlink/", accounts.unlink, name="unlink_account"),
    path("accounts/who-can-find-me/", findable.findable, name="findable"),
]
