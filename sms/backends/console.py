import sys
import threading

from .. import templates
from ..models import mask
from .base import BaseBackend


class ConsoleBackend(BaseBackend):
    """Prints each message on standard output (the default: development and the demo)."""

    lock = threading.Lock()

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, phone, template, params):
        text = templates.render(template, params)
        with self.lock:
            self.stream.write(f"SMS to {phone} [{template}]: {text}\n")
            self.stream.flush()
        return {"backend": "console", "to": mask(phone)}
