# A throwaway pg_auto_failover formation for one test run: a monitor, a primary and a
# secondary in synchronous replication, each a PostgreSQL of its own on a free port of 127.0.0.1,
# run by `pg_autoctl` as the server's user. Source scripts/postgres-server.sh, then this file, then
# call `postgres_start_autofailover [URL_VARIABLE]`. It exports
# - URL_VARIABLE (default ANYTABLE_AUTOFAILOVER_URL): both nodes as hosts of one URL with
#   `target_session_attrs=read-write`, as an application lists a formation's nodes;
# - ANYTABLE_AUTOFAILOVER_CTL: a control script. `crash-primary` kills the current primary hard
#   (its pg_autoctl with SIGKILL, its server with an immediate shutdown: nothing flushed at the
#   end) and prints the node's name and port; `wait-primary PORT` waits until the monitor has
#   promoted the node on PORT and it takes writes; `rejoin NAME` starts the crashed node's
#   pg_autoctl again and waits until it is the new primary's secondary; `state` prints the
#   monitor's view; `destroy` stops everything.
# The formation is stopped and removed with the clusters postgres_start made (postgres_stop).
#
# The monitor's health checks are tightened from their defaults (a check every 5 s, a node
# unhealthy after 20 s, a primary that cannot be told to demote itself given up after 30 s) to
# 1 s, 2 s and 3 s, so that a promotion takes seconds and the test fits the CI budget. The data
# nodes run with fsync off, as every throwaway cluster here: a crashed process loses nothing a
# synchronous commit acknowledged; only an operating-system crash would need fsync. Debian's
# postgresql-MAJOR-auto-failover package is installed if missing (as root), and the script says so.

postgres_start_autofailover() {
    local url_var="${1:-ANYTABLE_AUTOFAILOVER_URL}"
    if [ -z "${ANYTABLE_PG_BIN:-}" ]; then
        echo "error: postgres_start_autofailover: call postgres_start first (it finds the binaries and the server's user)" >&2
        return 1
    fi
    local major
    major="$("$ANYTABLE_PG_BIN/postgres" --version | awk '{print $3}' | cut -d. -f1)"
    if ! command -v pg_autoctl >/dev/null; then
        postgres_apt_install "postgresql-$major-auto-failover" "for the promotion test (pg_auto_failover)" \
            || return 1
    fi
    local dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/anytable-autofailover.XXXXXX")"
    ANYTABLE_PG_AUTOFAILOVER_DIRS="${ANYTABLE_PG_AUTOFAILOVER_DIRS:-} $dir"
    if [ -n "$ANYTABLE_PG_OWNER" ]; then chown "$ANYTABLE_PG_OWNER" "$dir"; fi
    chmod 700 "$dir"
    local free='import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    local monitor_port port1 port2
    monitor_port="$(python3 -c "$free")"
    port1="$(python3 -c "$free")"
    port2="$(python3 -c "$free")"
    local owner=""
    if [ -n "$ANYTABLE_PG_OWNER" ]; then owner="runuser -u $ANYTABLE_PG_OWNER --"; fi
    # pg_autoctl keeps its configuration and state under the XDG directories: inside $dir.
    cat >"$dir/ctl" <<EOF
#!/bin/bash
# Control of the throwaway pg_auto_failover formation in $dir (see scripts/postgres-autofailover.sh).
set -uo pipefail
as_owner() {
    $owner env XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/share" XDG_RUNTIME_DIR="$dir/run" \\
        PATH="$ANYTABLE_PG_BIN:\$PATH" "\$@"
}
monitor_url="postgres://autoctl_node@127.0.0.1:$monitor_port/pg_auto_failover?sslmode=disable"
port_of() { case "\$1" in monitor) echo $monitor_port ;; node1) echo $port1 ;; node2) echo $port2 ;; esac; }
# Runs pg_autoctl for NAME in the background, in a session of its own (one group to kill).
run_keeper() { as_owner setsid pg_autoctl run --pgdata "$dir/\$1" >>"$dir/\$1.log" 2>&1 </dev/null & }
# As the server's superuser, who owns the cluster pg_autoctl made (initdb's default name).
sql() { as_owner psql -Atq "postgres://127.0.0.1:\$1/postgres?connect_timeout=2" -c "\$2" 2>/dev/null; }
states() { as_owner psql -Atq "\$monitor_url" -c "SELECT nodename || ':' || reportedstate || ':' || goalstate FROM pgautofailover.node ORDER BY nodename" 2>/dev/null | tr '\n' ' '; }
# Waits up to 60 s for COMMAND to succeed.
wait_for() {
    local what="\$1"; shift
    for _ in \$(seq 600); do "\$@" && return 0; sleep 0.1; done
    echo "error: \$what within 60 s (monitor: \$(states))" >&2
    return 1
}
monitor_up() { as_owner psql -Atq "\$monitor_url" -c "SELECT 1" >/dev/null 2>&1; }
healthy() { [ "\$(states)" = "\$1" ]; }
writable() { [ "\$(sql "\$1" 'SELECT pg_is_in_recovery()')" = f ] && sql "\$1" 'CREATE TEMP TABLE anytable_probe (x int)' >/dev/null; }
kill_keeper() {
    local pidfile="$dir/run/pg_autoctl$dir/\$1/pg_autoctl.pid"
    if [ -f "\$pidfile" ]; then kill -9 -- "-\$(head -1 "\$pidfile")" 2>/dev/null; fi
    as_owner pg_ctl -D "$dir/\$1" -m immediate -w -t 10 stop >/dev/null 2>&1
    local postmaster="$dir/\$1/postmaster.pid"
    if [ -f "\$postmaster" ]; then kill -9 "\$(head -1 "\$postmaster")" 2>/dev/null; fi
    return 0
}
case "\${1:-}" in
    create)
        as_owner mkdir -p "$dir/run"
        as_owner pg_autoctl create monitor --pgdata "$dir/monitor" --pgport $monitor_port \\
            --pgctl "$ANYTABLE_PG_BIN/pg_ctl" --hostname 127.0.0.1 --auth trust --no-ssl \\
            >>"$dir/monitor.log" 2>&1 || { cat "$dir/monitor.log" >&2; exit 1; }
        run_keeper monitor
        wait_for "the monitor did not start" monitor_up
        as_owner psql -q "postgres://127.0.0.1:$monitor_port/pg_auto_failover" -c "ALTER SYSTEM SET pgautofailover.health_check_period = 1000" \\
            -c "ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000" \\
            -c "ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1" \\
            -c "ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500" \\
            -c "ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 2000" \\
            -c "ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 3000" \\
            -c "SELECT pg_reload_conf()" >/dev/null || exit 1
        for node in node1 node2; do
            as_owner pg_autoctl create postgres --pgdata "$dir/\$node" --pgport "\$(port_of \$node)" \\
                --pgctl "$ANYTABLE_PG_BIN/pg_ctl" --hostname 127.0.0.1 --listen 127.0.0.1 \\
                --name \$node --username anytable --dbname postgres --auth trust --no-ssl \\
                --monitor "\$monitor_url" >>"$dir/\$node.log" 2>&1 || { cat "$dir/\$node.log" >&2; exit 1; }
            run_keeper \$node
            if [ \$node = node1 ]; then
                wait_for "node1 did not become a single primary" healthy "node1:single:single "
                # Copied to node2 by its base backup.
                sql $port1 "ALTER SYSTEM SET fsync = off" >/dev/null && sql $port1 "SELECT pg_reload_conf()" >/dev/null
            fi
        done
        wait_for "no primary and secondary" healthy "node1:primary:primary node2:secondary:secondary "
        ;;
    crash-primary)
        for node in node1 node2; do
            port=\$(port_of \$node)
            if [ "\$(sql \$port 'SELECT pg_is_in_recovery()')" = f ]; then
                kill_keeper \$node
                echo "\$node \$port"
                exit 0
            fi
        done
        echo "error: no primary to crash (monitor: \$(states))" >&2
        exit 1
        ;;
    wait-primary) wait_for "port \$2 was not promoted" writable "\$2" ;;
    rejoin)
        run_keeper "\$2"
        other=node1; [ "\$2" = node1 ] && other=node2
        wait_for "\$2 did not rejoin as a secondary" healthy \\
            "\$(for n in node1 node2; do if [ \$n = "\$2" ]; then printf '%s:secondary:secondary ' \$n; else printf '%s:primary:primary ' \$n; fi; done)"
        ;;
    state) as_owner pg_autoctl show state --pgdata "$dir/monitor" ;;
    destroy) for node in node1 node2 monitor; do kill_keeper \$node; done ;;
    *) echo "usage: \$0 create|crash-primary|wait-primary PORT|rejoin NAME|state|destroy" >&2; exit 2 ;;
esac
EOF
    chmod 755 "$dir/ctl"
    "$dir/ctl" create || return 1
    export ANYTABLE_AUTOFAILOVER_CTL="$dir/ctl"
    export "$url_var=postgres://anytable@/postgres?host=127.0.0.1,127.0.0.1&port=$port1,$port2&target_session_attrs=read-write"
    echo "throwaway pg_auto_failover $(pg_autoctl --version | head -1 | awk '{print $3}') formation (monitor on port $monitor_port, primary $port1, synchronous secondary $port2, data in $dir) at ${!url_var}"
}
