#!/usr/bin/env bash
# Shared by scripts/demo, scripts/test and .ci/run: make .venv with everything installed,
# and start local Postgres / Redis when they do not answer. Idempotent and quiet when done.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
stamp=.venv/.hotmesh-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q -e '.[dev,redis,embedded,otel]'
    touch "$stamp"
fi

start_services() {
    # Postgres: only when nothing answers on the configured / default DSN.
    if [ -z "${HOTMESH_TEST_DSN:-}" ] && command -v pg_isready >/dev/null 2>&1; then
        if ! pg_isready -q -h 127.0.0.1 -p 5432; then
            if command -v pg_ctlcluster >/dev/null 2>&1; then
                ver=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -n 1)
                [ -n "$ver" ] && pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
            fi
            for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
        fi
    fi
    if [ -z "${HOTMESH_TEST_REDIS:-}" ] && command -v redis-cli >/dev/null 2>&1; then
        if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
            if command -v redis-server >/dev/null 2>&1; then
                redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
            fi
            for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
        fi
    fi
}
