"""The job runner's task for early warning (django-tasks, database backend; `manage.py db_worker`
runs it). `manage.py schedule_early_warning --loop` queues it every hour in production."""

from django_tasks import task

from core import versions

from . import analysis


@task()
def analyse_all(days=7):
    with versions.reading():
        return [analysis.run(region, days=days).as_dict() for region in analysis.counties()]
