#!/usr/bin/env bash
# The PostgreSQL half of `make test`: the whole pytest suite again, on PostgreSQL.
#
#   TEST_DATABASE_URL   server and database name to use
#                       (default postgres://postgres@127.0.0.1:5432/migra; pytest-django
#                       creates and drops the database test_<name> next to it)
#   CI=true             an unreachable server fails the run; otherwise it is skipped
#                       with a loud warning, so `make test` works on a laptop without it
#
# Extra arguments go to pytest.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
python="$root/.venv/bin/python"
url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/migra}

# Connect to the server's maintenance database, as pytest-django does to create the
# test database; the database in the URL need not exist.
if ! problem=$("$python" - "$url" 2>&1 <<'EOF'
import sys

import psycopg

try:
    psycopg.connect(sys.argv[1], dbname="postgres", connect_timeout=5).close()
except psycopg.Error as error:
    print(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
    sys.exit(1)
EOF
); then
    safe_url=$(printf '%s' "$url" | sed -E 's#//([^:@/]*):[^@/]*@#//\1:***@#')
    if [ "${CI:-}" = "true" ]; then
        echo "ERROR: PostgreSQL is not reachable at $safe_url: $problem" >&2
        echo "CI runs every test on PostgreSQL as well as SQLite. Start PostgreSQL (.ci/run" >&2
        echo "does it with pg_ctlcluster) or point TEST_DATABASE_URL at a server." >&2
        exit 1
    fi
    cat >&2 <<EOF

########################################################################
#  WARNING: PostgreSQL is not reachable at $safe_url
#  ($problem)
#  The PostgreSQL half of the tests was SKIPPED. CI runs it and will fail
#  where PostgreSQL and SQLite differ. Start PostgreSQL or set
#  TEST_DATABASE_URL, then run \`make test\` again.
########################################################################

EOF
    exit 0
fi

echo "pytest on PostgreSQL ($(printf '%s' "$url" | sed -E 's#//([^:@/]*):[^@/]*@#//\1:***@#'))"
cd "$root"
DATABASE_URL="$url" exec "$root/.venv/bin/pytest" "$@"
