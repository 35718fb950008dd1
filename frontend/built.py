"""The bundles that `node frontend/build.mjs` writes to frontend/static/frontend/build/."""

from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _


def read_bundle(name):
    """The text of one built bundle, found like any static file (app folder or STATIC_ROOT)."""
    found = finders.find(f"frontend/build/{name}")
    if not found:
        raise ImproperlyConfigured(
            _("The front-end bundle %(name)s is missing: run `npm ci && npm run build` (./dev does).") % {"name": name}
        )
    with open(found, encoding="utf-8") as file:
        return file.read()
