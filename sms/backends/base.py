class SendError(Exception):
    """Sending failed. `retry`: worth another attempt later (timeouts, the provider's 5xx and limits)."""

    def __init__(self, message, *, retry, answer=None):
        super().__init__(message)
        self.retry = retry
        self.answer = answer or {}


class BaseBackend:
    def send(self, phone, template, params):
        """Send one message; return the provider's answer (a dict) or raise SendError."""
        raise NotImplementedError
