#!/usr/bin/env bash
# The ledger's PostgreSQL tests must run, never skip: start the local server if it is down.
set -euo pipefail
host=${LAPOR_HUB_TEST_PG_HOST:-127.0.0.1}
if pg_isready -q -h "$host" -p 5432 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
for _ in $(seq 1 30); do
  pg_isready -q -h "$host" -p 5432 2>/dev/null && exit 0
  sleep 1
done
echo "PostgreSQL is not reachable at $host:5432; the ledger tests need it" >&2
exit 1
