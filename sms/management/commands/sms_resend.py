from django.core.management.base import BaseCommand

from sms import services


class Command(BaseCommand):
    help = "Queue again the text messages that are due but were never picked up (run it now and then)."

    def handle(self, *args, **options):
        count = services.requeue_due()
        self.stdout.write(f"{count}")
