"""A task used only by the tests, to prove that workers pick up and run queued work."""

from django.tasks import task


@task()
def add(a: int, b: int) -> int:
    return a + b
