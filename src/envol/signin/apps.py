from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "envol.signin"
    label = "signin"
    verbose_name = "Sign-in"
