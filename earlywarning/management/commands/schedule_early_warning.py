"""Queue the early-warning analysis on the job runner, once or every `--interval` seconds.

django-tasks has no scheduler of its own: this small loop is the schedule (docker/compose.yml's
`scheduler` service runs it with the default hour). Several copies are harmless: the analysis
claims each region, so a second run of the same hour finds it taken or finds nothing new.
"""

import time

from django.core.management.base import BaseCommand

from earlywarning.tasks import analyse_all


class Command(BaseCommand):
    help = "Queue the early-warning analysis on the job runner (once, or in a loop)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=int, default=3600, help="seconds between runs (default 3600)")
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, loop=False, interval=3600, days=7, **options):
        while True:
            result = analyse_all.enqueue(days=days)
            self.stdout.write(f"queued early-warning analysis {result.id}")
            if not loop:
                return
            time.sleep(max(60, interval))
