# A throwaway PostgreSQL cluster for one test run. Source this file, then call
# `postgres_start`: it exports ANYTABLE_POSTGRES_URL and arranges that the server is stopped and
# its data directory removed when the calling shell exits, whether the run passes, fails or is
# interrupted (Ctrl-C). Run `scripts/postgres-server.sh` directly for a server in the foreground
# of a shell session (`exit` stops it).
#
# The cluster lives in a new temporary directory, listens on a free port of 127.0.0.1 only, trusts
# local connections (it holds nothing but test data) and runs with fsync off. initdb refuses to
# run as root, so as root the server runs as the unprivileged user `postgres` (or `nobody`).

postgres_bin_dir() {
    local dir
    for dir in "$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")" \
        /usr/lib/postgresql/*/bin /usr/local/pgsql/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

# Runs a command as the server's user (the current one unless we are root).
postgres_as_owner() {
    if [ -n "${ANYTABLE_PG_OWNER:-}" ]; then
        runuser -u "$ANYTABLE_PG_OWNER" -- "$@"
    else
        "$@"
    fi
}

postgres_stop() {
    if [ -n "${ANYTABLE_PG_DIR:-}" ] && [ -d "$ANYTABLE_PG_DIR" ]; then
        postgres_as_owner "$ANYTABLE_PG_BIN/pg_ctl" -D "$ANYTABLE_PG_DIR/data" -m immediate \
            -w stop >/dev/null 2>&1 || true
        rm -rf "$ANYTABLE_PG_DIR"
        echo "throwaway PostgreSQL stopped and removed"
    fi
    ANYTABLE_PG_DIR=""
}

postgres_start() {
    if ! ANYTABLE_PG_BIN="$(postgres_bin_dir)"; then
        cat >&2 <<'EOF'
error: no PostgreSQL server binaries (initdb, pg_ctl, postgres) found on PATH or under
/usr/lib/postgresql/*/bin. Install them (Debian: apt-get install postgresql) or point the tests at
a server you run: ANYTABLE_POSTGRES_URL=postgres://user@host:port/db scripts/test
EOF
        return 1
    fi
    ANYTABLE_PG_OWNER=""
    if [ "$(id -u)" = 0 ]; then
        local user
        for user in postgres nobody; do
            if id "$user" >/dev/null 2>&1; then
                ANYTABLE_PG_OWNER="$user"
                break
            fi
        done
        if [ -z "$ANYTABLE_PG_OWNER" ]; then
            echo "error: running as root and no unprivileged user (postgres, nobody) to run the server" >&2
            return 1
        fi
    fi
    ANYTABLE_PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/anytable-pg.XXXXXX")"
    trap postgres_stop EXIT
    trap 'postgres_stop; exit 130' INT
    trap 'postgres_stop; exit 143' TERM
    if [ -n "$ANYTABLE_PG_OWNER" ]; then
        chown "$ANYTABLE_PG_OWNER" "$ANYTABLE_PG_DIR"
    fi
    chmod 700 "$ANYTABLE_PG_DIR"
    local port
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    postgres_as_owner "$ANYTABLE_PG_BIN/initdb" -D "$ANYTABLE_PG_DIR/data" -U anytable \
        --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$ANYTABLE_PG_DIR/initdb.log" 2>&1 || {
        cat "$ANYTABLE_PG_DIR/initdb.log" >&2
        return 1
    }
    # fsync off: the cluster is thrown away; max_connections covers parallel tests with pools.
    postgres_as_owner "$ANYTABLE_PG_BIN/pg_ctl" -D "$ANYTABLE_PG_DIR/data" -w -t 60 \
        -l "$ANYTABLE_PG_DIR/server.log" \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$ANYTABLE_PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
        start >/dev/null || {
        cat "$ANYTABLE_PG_DIR/server.log" >&2
        return 1
    }
    export ANYTABLE_POSTGRES_URL="postgres://anytable@127.0.0.1:$port/postgres"
    echo "throwaway PostgreSQL $("$ANYTABLE_PG_BIN/postgres" --version | awk '{print $3}') at $ANYTABLE_POSTGRES_URL (data in $ANYTABLE_PG_DIR)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    postgres_start
    echo "ANYTABLE_POSTGRES_URL=$ANYTABLE_POSTGRES_URL; exit this shell to stop the server"
    ANYTABLE_POSTGRES_URL="$ANYTABLE_POSTGRES_URL" "${SHELL:-bash}" || true
fi
