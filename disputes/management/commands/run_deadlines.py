import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django.utils.translation import gettext as _

from core import versions
from disputes.sweeper import further_steps, sweep

logger = logging.getLogger("disputes.sweeper")


class Command(BaseCommand):
    help = (
        "Warn at 80% of a stage's time and escalate overdue cases. Safe to run in several copies at once "
        "and to repeat: each warning and each escalation happens once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep sweeping until SIGTERM or SIGINT.")
        parser.add_argument(
            "--interval", type=float, default=60.0, help="Seconds between passes with --loop (default 60)."
        )
        parser.add_argument("--batch", type=int, default=200, help="Cases claimed per transaction (default 200).")

    def handle(self, *args, loop, interval, batch, **options):
        if interval <= 0 or batch <= 0:
            raise CommandError(_("--interval and --batch must be positive."))
        if not loop:
            self._pass(batch)
            return
        self.stopping = False

        def request_stop(signum, frame):
            # Only a flag (nothing that takes a lock in a signal handler): the pass under way
            # finishes (its transactions are short), then the loop ends.
            self.stopping = True

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not self.stopping:
                try:
                    self._pass(batch)
                except Exception:
                    # A database restart must not end the loop: log, wait, try again.
                    logger.exception("deadline sweeper: pass failed")
                finally:
                    if not connection.in_atomic_block:  # never close someone else's transaction
                        close_old_connections()
                self._sleep(interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        logger.info("deadline sweeper: stopped by a signal")
        self.stdout.write(_("Deadline sweeper stopped."))

    def _sleep(self, seconds):
        until = time.monotonic() + seconds
        while not self.stopping and (left := until - time.monotonic()) > 0:
            time.sleep(min(left, 0.5))

    def _pass(self, batch):
        with versions.reading():
            counts = sweep(batch=batch)
            more = further_steps(batch=batch)
        message = (
            _("warned %(warned)s, escalated %(escalated)s, at the top %(at_top)s, supervised %(supervised)s") % counts
        )
        if more:
            message += "; " + ", ".join(f"{name} {count}" for name, count in more.items())
        counts = {**counts, **more}
        logger.info("deadline sweeper: %s", message)
        self.stdout.write(message)
        return counts
