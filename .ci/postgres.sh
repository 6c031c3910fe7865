# Start and stop a throw-away PostgreSQL server for the test suite (sourced by .ci/run).
#
#   . .ci/postgres.sh && pg_start     # exports EXPORTRULES_TEST_POSTGRES_URL
#   pg_stop                           # stops it and removes its data folder
#
# Installs the Debian package when no PostgreSQL server binaries are found, runs initdb in a
# temporary folder (as the postgres user when run as root), listens on 127.0.0.1 only, on a
# free port, with trust authentication for local connections.

pg_bindir() {
  local d
  if command -v pg_config >/dev/null 2>&1; then
    d="$(pg_config --bindir 2>/dev/null || true)"
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

pg_start() {
  local bindir port
  if ! bindir="$(pg_bindir)"; then
    echo "== installing PostgreSQL (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql >/dev/null
    bindir="$(pg_bindir)" || { echo "PostgreSQL server binaries not found after install" >&2; return 1; }
  fi
  PG_TMP="$(mktemp -d /tmp/exportrules-pg.XXXXXX)"
  export PG_TMP
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  local run=()
  if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_TMP"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bindir/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 \
    --no-locale >"$PG_TMP/initdb.log" 2>&1 || { cat "$PG_TMP/initdb.log" >&2; return 1; }
  "${run[@]}" "$bindir/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$PG_TMP -c fsync=on -c max_connections=100" \
    start >/dev/null || { cat "$PG_TMP/server.log" >&2; return 1; }
  PG_BINDIR="$bindir"
  PG_RUN="${run[*]}"
  export PG_BINDIR PG_RUN
  "${run[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres exportrules_test
  export EXPORTRULES_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/exportrules_test"
  echo "== PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

pg_stop() {
  if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP/data" ]; then
    # shellcheck disable=SC2086
    $PG_RUN "$PG_BINDIR/pg_ctl" -D "$PG_TMP/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
  fi
  unset EXPORTRULES_TEST_POSTGRES_URL PG_TMP
}
