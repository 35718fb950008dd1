"""The job runner's task for text messages (django-tasks, as ledgers/ uses)."""

from django_tasks import task

from . import services


@task()
def send_message(message_id):
    services.deliver(message_id)
