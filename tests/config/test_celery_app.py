"""The Celery app (config/celery.py) and the names of the tasks it runs.

Outbox rows and the beat schedule store task names, so a name must not follow where a
module or the app lives: every product task names itself (`name=`), by its app label.
"""

from config.celery import app

APP_LABELS = ("fintech.", "ledger.", "payments.", "banking.", "compliance.")


def _product_tasks() -> dict:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_product_task_names_itself_by_its_app_label_not_its_module_path():
    tasks = _product_tasks()

    assert tasks
    assert [name for name in tasks if not name.startswith(APP_LABELS)] == []
    assert [name for name, task in tasks.items() if name == f"{task.__module__}.{task.run.__name__}"] == []


def test_the_beat_schedule_names_registered_tasks():
    tasks = _product_tasks()

    assert {entry["task"] for entry in app.conf.beat_schedule.values()} - set(tasks) == set()
