from django.middleware.locale import LocaleMiddleware


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are in Chinese unless the user picked another language (the language cookie).

    The browser's Accept-Language is not consulted for pages: office machines often run
    English-language browsers for staff who read Chinese. API clients (phones) still get
    messages in the language they ask for, and so do Open311 clients.
    """

    def process_request(self, request):
        if not request.path_info.startswith(("/api/", "/open311/")):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
