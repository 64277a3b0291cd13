import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "envol.core.settings")
# WhiteNoise hands Django small static files as synchronous iterators; under ASGI Django warns about
# it on every request. The files are a few kilobytes, so the warning is noise here.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")

django_application = get_asgi_application()


def _application() -> object:
    from django.conf import settings

    from envol.core.pagecache import PublicPageCache

    if not settings.PAGE_CACHE:
        return django_application
    # Django's handler types its messages as Mapping, ours as dict: the same ASGI messages.
    return PublicPageCache(django_application, check_seconds=settings.PAGE_CACHE_CHECK_SECONDS)  # type: ignore[arg-type]


application = _application()
