"""The job runner's tasks for the ledgers (django-tasks: Django 6's task API, with its database
backend; `manage.py db_worker` runs them — see the README's "Background work")."""

from django_tasks import task

from core import versions

from . import services


@task()
def run_export(export_id):
    with versions.reading():  # the reference caches' tokens read once for the job, as for a request
        services.write(export_id)
