"""The job runner's tasks for the ledgers (django-tasks: Django 6's task API, with its database
backend; `manage.py db_worker` runs them — see the README's "Background work")."""

from django_tasks import task

from . import services


@task()
def run_export(export_id):
    services.write(export_id)
