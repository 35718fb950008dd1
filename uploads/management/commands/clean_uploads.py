"""Queue the removal of expired uploads on the job runner, once or every `--interval` seconds.

django-tasks has no scheduler of its own: this small loop is the schedule (as
earlywarning's schedule_early_warning). Several copies are harmless: each expired upload is
deleted by one conditional DELETE.
"""

import time

from django.core.management.base import BaseCommand

from uploads.tasks import remove_expired_uploads


class Command(BaseCommand):
    help = "Queue the removal of expired resumable uploads on the job runner (once, or in a loop)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=int, default=3600, help="seconds between runs (default 3600)")

    def handle(self, *args, loop=False, interval=3600, **options):
        while True:
            result = remove_expired_uploads.enqueue()
            self.stdout.write(f"queued the removal of expired uploads {result.id}")
            if not loop:
                return
            time.sleep(max(60, interval))
