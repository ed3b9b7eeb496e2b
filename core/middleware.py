"""Session idle time-out: a session unused for SESSION_IDLE_TIMEOUT seconds is ended."""

import time

from django.conf import settings
from django.contrib.auth import logout


class SessionTimeoutMiddleware:
    KEY = "_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(self.KEY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
            else:
                # Write at most once a minute, so read-only browsing stays cheap.
                if last is None or now - last > 60:
                    request.session[self.KEY] = now
        return self.get_response(request)


class NorwegianFirstMiddleware:
    """Pages are in Norwegian bokmål unless the visitor chose another language (cookie).

    The browser's Accept-Language is ignored for pages, so an English-language browser still
    meets the Norwegian service first; API clients may still ask for English error messages.
    Runs before LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
