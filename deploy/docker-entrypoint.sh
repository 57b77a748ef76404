#!/bin/sh
# Secrets mounted as files (compose `secrets:` puts each at /run/secrets/NAME) become the
# environment variable NAME, which is how the settings read them; a variable already set
# wins (ECS injects secrets as variables, and has no /run/secrets). Then the command
# replaces this shell (exec), so the process itself receives the stop signal.
# SECRETS_DIR names another folder (tests).
set -eu
secrets_dir=${SECRETS_DIR:-/run/secrets}
if [ -d "$secrets_dir" ]; then
  for file in "$secrets_dir"/*; do
    [ -f "$file" ] || continue
    name=$(basename "$file")
    case "$name" in
      *[!A-Z0-9_]* | [0-9]*) continue ;;  # not a variable name: a certificate, a key file
    esac
    if [ -z "$(printenv "$name" || true)" ]; then
      export "$name=$(cat "$file")"
    fi
  done
fi
exec "$@"
