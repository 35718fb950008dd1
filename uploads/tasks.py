"""The job runner's task for uploads (django-tasks, database backend; `manage.py db_worker` runs it).
`manage.py clean_uploads --loop` queues it every hour."""

from django_tasks import task

from . import services


@task()
def remove_expired_uploads():
    return services.remove_expired()
