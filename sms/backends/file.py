import json
import threading
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .. import templates
from ..models import mask
from .base import BaseBackend


class FileBackend(BaseBackend):
    """Appends each message as one JSON line to SMS_FILE_PATH (a test server's mailbox)."""

    lock = threading.Lock()

    def send(self, phone, template, params):
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {
            "at": timezone.now().isoformat(),
            "phone": phone,
            "template": template,
            "params": params,
            "text": templates.render(template, params),
        }
        with self.lock, path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return {"backend": "file", "to": mask(phone)}


class MemoryBackend(BaseBackend):
    """Keeps messages in `MemoryBackend.outbox` (tests)."""

    outbox = []

    def send(self, phone, template, params):
        self.outbox.append({"phone": phone, "template": template, "params": params})
        return {"backend": "memory"}
