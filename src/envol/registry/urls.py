from django.urls import path

from envol.registry import mastodon_signin, views, x_signin

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("sign-in/x/", x_signin.start, name="x_sign_in"),
    path("sign-in/x/callback/", x_signin.callback, name="x_callback"),
    path("sign-in/mastodon/", mastodon_signin.start, name="mastodon_sign_in"),
    path("sign-in/mastodon/callback/", mastodon_signin.callback, name="mastodon_callback"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:account_id>/unlink/", views.unlink, name="unlink_account"),
]
