from django.core.management.base import BaseCommand, CommandError

from fintech.tasks import ping


class Command(BaseCommand):
    help = "Send a task to the Celery worker and wait for its answer (checks the round trip)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args, timeout, **options):
        result = ping.delay("ping")
        try:
            answer = result.get(timeout=timeout)
        except Exception as exc:
            raise CommandError(f"no answer from a worker within {timeout:.0f}s: {type(exc).__name__}") from exc
        self.stdout.write(self.style.SUCCESS(f"worker answered: {answer}"))
