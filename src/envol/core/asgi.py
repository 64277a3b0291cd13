import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "envol.core.settings")
# WhiteNoise hands Django small static files as synchronous iterators; under ASGI Django warns about
# it on every request. The files are a few kilobytes, so the warning is noise here.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")

# Request bodies are capped before Django reads them (core.bodylimit).
from envol.core.bodylimit import BodyLimit  # noqa: E402 (after the settings module is named)

application = BodyLimit(get_asgi_application())
