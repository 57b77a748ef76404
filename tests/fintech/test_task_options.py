"""Every late-acknowledged task is also redelivered when its worker process dies.

`acks_late` alone acknowledges a task whose pool process was SIGKILLed (Celery marks it
failed with WorkerLostError): the message is gone and the effect never happens. The task
option that puts it back is `reject_on_worker_lost`; the *setting* of the same meaning is
`task_reject_on_worker_lost`, and passing that name to `@shared_task` is silently ignored.
"""

from config.celery import app

OUTBOX_SENT = {  # docs/outbox.md: the tasks services record in the outbox
    "payments.apply_webhook_delivery",
    "payments.submit_payment",
    "payments.submit_braintree_sale",
    "payments.reconcile",
    "banking.exchange_public_token",
    "banking.sync_item_transactions",
    "banking.apply_plaid_webhook",
    "banking.sync_transfer_events",
    "compliance.rescreen_customers",
}


def test_late_acked_tasks_go_back_to_the_queue_when_their_worker_is_lost():
    app.loader.import_default_modules()
    late = {name for name, task in app.tasks.items() if getattr(task, "acks_late", False)}
    assert OUTBOX_SENT <= late
    assert {name for name in late if app.tasks[name].reject_on_worker_lost is not True} == set()
