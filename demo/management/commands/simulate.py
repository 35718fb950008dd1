import logging
import random
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from demo.simulation import COUNTY_CODE, Simulation, SimulationError
from disputes.models import Case
from grid.models import Region

logger = logging.getLogger("demo.simulation")


class Command(BaseCommand):
    help = (
        "Stream made-up activity into the demo county (化德县): reports, handling, the odd escalation, joint "
        "case and overdue case, all through the services. Runs until SIGINT/SIGTERM unless told otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rate", type=float, default=12.0, help="Actions per minute (default 12).")
        parser.add_argument("--duration", type=float, help="Stop after this many seconds (default: run until stopped).")
        parser.add_argument("--seed", type=int, help="Seed of the random choices: the same seed, the same actions.")
        parser.add_argument("--once", type=int, metavar="N", help="Do N actions at once, without waiting, and exit.")
        parser.add_argument(
            "--backfill",
            type=int,
            default=0,
            metavar="N",
            help="First make sure the demo county has at least N cases: report the missing ones as having "
            "happened over the past two weeks and move them along (received now: the services stamp the "
            "current time).",
        )
        parser.add_argument(
            "--early-warning",
            type=float,
            default=300,
            metavar="SECONDS",
            help="Run the early-warning analysis of the demo county this often while streaming "
            "(default 300; 0: never).",
        )
        parser.add_argument(
            "--outbreak-every",
            type=float,
            default=1800,
            metavar="SECONDS",
            help="Plant an outbreak (a run of land disputes in a village, then a feud between two families) at the "
            "start and this often while streaming, so that warnings arise (default 1800; 0: never).",
        )
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, rate, duration, seed, once, backfill, force, verbosity, **options):
        self.early_warning_every = options.get("early_warning", 300) or 0
        self.outbreak_every = options.get("outbreak_every", 1800) or 0
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: this would fill a real database with made-up cases. Use --force.")
        if rate <= 0 or (duration is not None and duration <= 0) or (once is not None and once < 0) or backfill < 0:
            raise CommandError("--rate and --duration must be positive, --once and --backfill not negative.")
        if once is not None and duration is not None:
            raise CommandError("--once and --duration do not go together.")

        def log(line):
            if verbosity >= 1:
                self.stdout.write(line)

        if seed is None:  # still reproducible: the summary names the seed
            seed = random.SystemRandom().randrange(2**31)
        try:
            simulation = Simulation(seed=seed, log=log)
        except SimulationError as error:
            raise CommandError(str(error)) from None
        started = time.monotonic()
        # Running the demo again must not pile up history: top up to N cases, no more.
        missing = max(0, backfill - Case.objects.count()) if backfill else 0
        if missing:
            # One line per action only when asked for (-v 2): a backfill is hundreds of them.
            simulation.log = (lambda line: self.stdout.write(line)) if verbosity >= 2 else (lambda line: None)
            simulation.backfill(missing)
            simulation.log = log
            log(f"backfill: {missing} cases reported (received now; occurred over the past two weeks)")
        if once is not None:
            for _n in range(once):
                simulation.step()
        else:
            self._stream(simulation, rate, duration)
        elapsed = time.monotonic() - started
        if verbosity >= 1:
            self.stdout.write(f"simulate (seed {seed}) {elapsed:.1f} s: {simulation.summary()}")

    def _stream(self, simulation, rate, duration):
        self.stopping = False
        kinds = ["land", "feud"]
        next_outbreak = time.monotonic() if self.outbreak_every else None
        next_analysis = time.monotonic() + 5 if self.early_warning_every else None

        def request_stop(signum, frame):
            self.stopping = True  # the action under way finishes (its transactions are short)

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        interval = 60.0 / rate
        until = time.monotonic() + duration if duration is not None else None
        try:
            next_at = time.monotonic()
            while not self.stopping and (until is None or time.monotonic() < until):
                try:
                    moment = time.monotonic()
                    if next_outbreak is not None and moment >= next_outbreak:
                        simulation.outbreak(kinds[0])
                        kinds.reverse()
                        next_outbreak = moment + self.outbreak_every
                    if next_analysis is not None and moment >= next_analysis:
                        self._early_warning()
                        next_analysis = moment + self.early_warning_every
                    simulation.step()
                except Exception:
                    # A busy or restarted database must not end the demo: log, wait, go on.
                    logger.exception("simulate: step failed")
                finally:
                    if not connection.in_atomic_block:
                        close_old_connections()
                next_at = max(next_at + interval, time.monotonic())  # late steps do not come in a burst
                self._sleep_until(next_at if until is None else min(next_at, until))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _early_warning(self):
        """The analysis of the demo county, as the hourly job runs it in production."""
        from earlywarning import analysis

        county = Region.objects.defer("boundary").filter(code=COUNTY_CODE).first()
        if county is not None:
            summary = analysis.run(county)
            logger.info("early warning: %s", summary.as_dict())
            self.stdout.write(
                f"early warning: raised {summary.raised}, updated {summary.updated} ({summary.seconds} s)"
            )

    def _sleep_until(self, moment):
        while not self.stopping and (left := moment - time.monotonic()) > 0:
            time.sleep(min(left, 0.5))
