"""Carry the request id (and acting user) from the web request into Celery tasks, so a
task's log lines and audit events name the request that caused them."""

from __future__ import annotations

from celery.signals import before_task_publish, task_postrun, task_prerun

from fintech import request_context

_tokens: dict[str, object] = {}


@before_task_publish.connect(dispatch_uid="fintech.context.publish")
def _attach_context(headers=None, **kwargs):
    context = request_context.current()
    if headers is not None and context.request_id:
        headers.setdefault("fintech_request_id", context.request_id)
        if context.user_id is not None:
            headers.setdefault("fintech_user_id", context.user_id)
            headers.setdefault("fintech_user_label", context.user_label)


@task_prerun.connect(dispatch_uid="fintech.context.prerun")
def _bind_context(task_id=None, task=None, **kwargs):
    request = task.request
    _tokens[task_id] = request_context.bind(
        request_context.RequestContext(
            request_id=getattr(request, "fintech_request_id", None) or f"task-{task_id}",
            user_id=getattr(request, "fintech_user_id", None),
            user_label=getattr(request, "fintech_user_label", None) or "",
        )
    )


@task_postrun.connect(dispatch_uid="fintech.context.postrun")
def _unbind_context(task_id=None, **kwargs):
    token = _tokens.pop(task_id, None)
    if token is not None:
        request_context.reset(token)
