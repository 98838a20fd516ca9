# Throwaway PostgreSQL clusters for one test run. Source this file, then call
# `postgres_start [LOCALE [URL_VARIABLE]]` once per cluster: it starts a cluster initialised with
# LOCALE (default C.UTF-8), exports its URL in URL_VARIABLE (default ANYTABLE_POSTGRES_URL), and
# arranges that every cluster started is stopped and its data directory removed when the calling
# shell exits, whether the run passes, fails or is interrupted (Ctrl-C). Run
# `scripts/postgres-server.sh [LOCALE]` directly for a server in the foreground of a shell
# session (`exit` stops it).
#
# A cluster lives in a new temporary directory, listens on a free port of 127.0.0.1 only, trusts
# local connections (it holds nothing but test data) and runs with fsync off. initdb refuses to
# run as root, so as root the server runs as the unprivileged user `postgres` (or `nobody`). A
# locale the machine lacks is generated first (as root, with localedef from Debian's `locales`
# package, installed if missing), and the script says so.
#
# `postgres_start LOCALE URL_VARIABLE tls` also turns TLS on: a throwaway certificate authority
# and a server certificate for the name `localhost` (only: connecting to 127.0.0.1 with
# verify-full must fail) are made with openssl (installed from Debian's packages if missing);
# URL_VARIABLE and ANYTABLE_POSTGRES_TLS_URL hold a `sslmode=verify-full` URL to it, and
# ANYTABLE_POSTGRES_TLS_DIR names the directory holding `ca.crt` and `other-ca.crt` (a second
# authority that signed nothing the server has). The role `anytable_tls_only` may log in over TLS
# only, for `sslmode=allow`'s retry. Plain connections stay open to every other role.
#
# `postgres_start LOCALE URL_VARIABLE durable` keeps synchronous_commit on (a commit is in the
# server's WAL before it is acknowledged, so a crash loses nothing acknowledged; fsync stays off,
# as only an operating-system crash would need it) and writes a control script,
# ANYTABLE_POSTGRES_PRIMARY_CTL, whose `stop` crashes the server (pg_ctl stop -m immediate) and
# whose `start` starts it again on the same port, for the failover tests.
# `postgres_start_replica [URL_VARIABLE]` then makes a streaming replica of that cluster
# (pg_basebackup -R, as the server's user) on a port of its own.

postgres_bin_dir() {
    local dir
    # The real directory, not a directory of links to some of its programs.
    for dir in "$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")")" \
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
    local dir
    for dir in ${ANYTABLE_PG_AUTOFAILOVER_DIRS:-}; do
        "$dir/ctl" destroy >/dev/null 2>&1 || true
        rm -rf "$dir"
        echo "throwaway pg_auto_failover formation in $dir stopped and removed"
    done
    ANYTABLE_PG_AUTOFAILOVER_DIRS=""
    for dir in ${ANYTABLE_PGBOUNCER_DIRS:-}; do
        if [ -f "$dir/pgbouncer.pid" ]; then
            kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
            sleep 0.2
        fi
        rm -rf "$dir"
        echo "throwaway PgBouncer in $dir stopped and removed"
    done
    ANYTABLE_PGBOUNCER_DIRS=""
    for dir in ${ANYTABLE_PG_DIRS:-}; do
        if [ -d "$dir" ]; then
            postgres_as_owner "$ANYTABLE_PG_BIN/pg_ctl" -D "$dir/data" -m immediate \
                -w stop >/dev/null 2>&1 || true
            rm -rf "$dir"
            echo "throwaway PostgreSQL in $dir stopped and removed"
        fi
    done
    ANYTABLE_PG_DIRS=""
    ANYTABLE_PG_DIR=""
}

# Whether the machine has LOCALE (e.g. en_US.UTF-8), compared as `locale -a` spells it.
postgres_locale_present() {
    local want
    want="$(echo "$1" | tr '[:upper:]' '[:lower:]' | sed 's/utf-8/utf8/')"
    locale -a 2>/dev/null | tr '[:upper:]' '[:lower:]' | grep -qx "$want"
}

# Generates LOCALE (language_TERRITORY.UTF-8) if the machine lacks it; fails if it cannot.
postgres_ensure_locale() {
    local wanted="$1"
    if postgres_locale_present "$wanted"; then
        return 0
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "error: locale $wanted is missing and only root can generate it (localedef)" >&2
        return 1
    fi
    if ! command -v localedef >/dev/null || [ ! -d /usr/share/i18n/locales ]; then
        echo "installing Debian's locales package to generate $wanted"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq locales; } \
            >/dev/null || {
            echo "error: cannot install the locales package for $wanted" >&2
            return 1
        }
    fi
    echo "generating the locale $wanted (localedef), which the non-C PostgreSQL cluster needs"
    localedef -i "${wanted%%.*}" -f UTF-8 "$wanted" || return 1
}

# Makes the certificates for a cluster in DIR (see above) with openssl.
postgres_make_certificates() {
    local dir="$1"
    if ! command -v openssl >/dev/null; then
        echo "installing Debian's openssl package to make the TLS test certificates"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl; } \
            >/dev/null || {
            echo "error: openssl is missing and cannot be installed" >&2
            return 1
        }
    fi
    local name
    for name in ca other-ca; do
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
            -subj "/CN=anytable throwaway $name" -keyout "$dir/$name.key" -out "$dir/$name.crt" \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
            >/dev/null 2>&1 || return 1
    done
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
        -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1 || return 1
    printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 2 -extfile "$dir/server.ext" -out "$dir/server.crt" \
        >/dev/null 2>&1 || return 1
    chmod 600 "$dir/server.key"
    if [ -n "$ANYTABLE_PG_OWNER" ]; then
        chown "$ANYTABLE_PG_OWNER" "$dir/server.key" "$dir/server.crt"
    fi
    postgres_make_crls "$dir"
}

# Certificate revocation lists of the authority in DIR: empty.crl revokes nothing,
# revoked.crl revokes the server's certificate (for sslcrl=).
postgres_make_crls() {
    local dir="$1"
    mkdir -p "$dir/ca-db" && : >"$dir/ca-db/index.txt" && echo 01 >"$dir/ca-db/crlnumber"
    printf '%s\n' "[ca]" "default_ca = throwaway" "[throwaway]" \
        "database = $dir/ca-db/index.txt" "crlnumber = $dir/ca-db/crlnumber" \
        "default_md = sha256" "default_crl_days = 2" >"$dir/ca-db/ca.cnf"
    local ca=(-config "$dir/ca-db/ca.cnf" -keyfile "$dir/ca.key" -cert "$dir/ca.crt")
    openssl ca "${ca[@]}" -gencrl -out "$dir/empty.crl" >/dev/null 2>&1 || return 1
    openssl ca "${ca[@]}" -revoke "$dir/server.crt" >/dev/null 2>&1 || return 1
    openssl ca "${ca[@]}" -gencrl -out "$dir/revoked.crl" >/dev/null 2>&1 || return 1
}

postgres_start() {
    local locale="${1:-C.UTF-8}" url_var="${2:-ANYTABLE_POSTGRES_URL}" tls="" durable=""
    case "${3:-}" in
        tls) tls=tls ;;
        durable) durable=durable ;;
        "") ;;
        *) echo "error: postgres_start: unknown mode ${3} (tls or durable)" >&2; return 1 ;;
    esac
    if ! ANYTABLE_PG_BIN="$(postgres_bin_dir)"; then
        cat >&2 <<'EOF'
error: no PostgreSQL server binaries (initdb, pg_ctl, postgres) found on PATH or under
/usr/lib/postgresql/*/bin. Install them (Debian: apt-get install postgresql) or point the tests at
a server you run: ANYTABLE_POSTGRES_URL=postgres://user@host:port/db scripts/test
EOF
        return 1
    fi
    if [ "$locale" != C.UTF-8 ] && [ "$locale" != C ]; then
        postgres_ensure_locale "$locale" || return 1
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
    local dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/anytable-pg.XXXXXX")"
    ANYTABLE_PG_DIR="$dir"
    ANYTABLE_PG_DIRS="${ANYTABLE_PG_DIRS:-} $dir"
    trap postgres_stop EXIT
    trap 'postgres_stop; exit 130' INT
    trap 'postgres_stop; exit 143' TERM
    if [ -n "$ANYTABLE_PG_OWNER" ]; then
        chown "$ANYTABLE_PG_OWNER" "$dir"
    fi
    chmod 700 "$dir"
    local port
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    postgres_as_owner "$ANYTABLE_PG_BIN/initdb" -D "$dir/data" -U anytable \
        --auth=trust --encoding=UTF8 --locale="$locale" >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        return 1
    }
    local ssl=""
    if [ "$tls" = tls ]; then
        postgres_make_certificates "$dir" || {
            echo "error: cannot make the TLS certificates in $dir" >&2
            return 1
        }
        ssl="-c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key"
        # First match wins: this role is refused on plain connections only.
        { echo "hostnossl all anytable_tls_only 127.0.0.1/32 reject"; cat "$dir/data/pg_hba.conf"; } \
            >"$dir/pg_hba.new" && postgres_as_owner cp "$dir/pg_hba.new" "$dir/data/pg_hba.conf"
    fi
    # fsync off: the cluster is thrown away; max_connections covers parallel tests with pools.
    local commit="-c synchronous_commit=off"
    if [ "$durable" = durable ]; then commit="-c synchronous_commit=on"; fi
    local server_options="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off $commit -c full_page_writes=off -c max_connections=400 $ssl"
    postgres_as_owner "$ANYTABLE_PG_BIN/pg_ctl" -D "$dir/data" -w -t 60 \
        -l "$dir/server.log" -o "$server_options" start >/dev/null || {
        cat "$dir/server.log" >&2
        return 1
    }
    if [ "$durable" = durable ]; then
        local owner=""
        if [ -n "$ANYTABLE_PG_OWNER" ]; then owner="runuser -u $ANYTABLE_PG_OWNER --"; fi
        cat >"$dir/ctl" <<EOF
#!/bin/sh
# stop: crash the server (nothing flushed at the end); start: start it again on port $port.
case "\$1" in
    stop) exec $owner "$ANYTABLE_PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop ;;
    start) exec $owner "$ANYTABLE_PG_BIN/pg_ctl" -D "$dir/data" -w -t 60 -l "$dir/server.log" -o "$server_options" start ;;
    *) echo "usage: \$0 stop|start" >&2; exit 2 ;;
esac
EOF
        chmod +x "$dir/ctl"
        export ANYTABLE_POSTGRES_PRIMARY_CTL="$dir/ctl"
        ANYTABLE_PG_PRIMARY_OPTIONS="$server_options"
    fi
    export "$url_var=postgres://anytable@127.0.0.1:$port/postgres"
    ANYTABLE_PG_PORT="$port"
    if [ "$tls" = tls ]; then
        local psql="$ANYTABLE_PG_BIN/psql"
        [ -x "$psql" ] || psql="$(command -v psql)"
        postgres_as_owner "$psql" -q -h "$dir" -p "$port" -U anytable -d postgres \
            -c "CREATE ROLE anytable_tls_only LOGIN" >/dev/null || return 1
        export ANYTABLE_POSTGRES_TLS_DIR="$dir"
        # Encrypted and fully checked: the name the certificate holds, the authority's roots.
        export "$url_var=postgres://anytable@localhost:$port/postgres?sslmode=verify-full&sslrootcert=$dir/ca.crt"
        export ANYTABLE_POSTGRES_TLS_URL="${!url_var}"
    fi
    echo "throwaway PostgreSQL $("$ANYTABLE_PG_BIN/postgres" --version | awk '{print $3}') (locale $locale${tls:+, TLS on}${durable:+, synchronous_commit on}) at ${!url_var} (data in $dir)"
}

# Makes a streaming replica of the cluster postgres_start last started (pg_basebackup -R over
# 127.0.0.1, as the server's user), starts it on a free port and exports its own URL in
# URL_VARIABLE (default ANYTABLE_POSTGRES_REPLICA_URL) and, in ANYTABLE_POSTGRES_REPLICATED_URL,
# the primary's URL with `replicas=` naming it. It is stopped and removed with the clusters.
postgres_start_replica() {
    local url_var="${1:-ANYTABLE_POSTGRES_REPLICA_URL}"
    local primary_port="$ANYTABLE_PG_PORT" primary_dir="$ANYTABLE_PG_DIR"
    local dir port
    dir="$(mktemp -d "${TMPDIR:-/tmp}/anytable-pg-replica.XXXXXX")"
    ANYTABLE_PG_DIRS="${ANYTABLE_PG_DIRS:-} $dir"
    if [ -n "$ANYTABLE_PG_OWNER" ]; then
        chown "$ANYTABLE_PG_OWNER" "$dir"
    fi
    chmod 700 "$dir"
    postgres_as_owner "$ANYTABLE_PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$primary_port" \
        -U anytable -D "$dir/data" -R -X stream >"$dir/basebackup.log" 2>&1 || {
        cat "$dir/basebackup.log" >&2
        return 1
    }
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    # wal_receiver_status_interval 1s: the primary learns soon how far the replica is.
    postgres_as_owner "$ANYTABLE_PG_BIN/pg_ctl" -D "$dir/data" -w -t 60 -l "$dir/server.log" \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=400 -c hot_standby=on -c wal_receiver_status_interval=1s" \
        start >/dev/null || {
        cat "$dir/server.log" >&2
        return 1
    }
    export "$url_var=postgres://anytable@127.0.0.1:$port/postgres"
    local primary_url="postgres://anytable@127.0.0.1:$primary_port/postgres"
    export ANYTABLE_POSTGRES_REPLICATED_URL="$primary_url?replicas=127.0.0.1:$port"
    echo "throwaway streaming replica of port $primary_port (data in $primary_dir) at ${!url_var} (data in $dir)"
}

# Installs Debian's PACKAGE (as root; WHY says what for), keeping any service it brings from
# starting, and says so.
postgres_apt_install() {
    local package="$1" why="$2"
    if [ "$(id -u)" != 0 ]; then
        echo "error: $package is missing and only root can install it (apt-get install $package)" >&2
        return 1
    fi
    echo "installing Debian's $package package $why (its service is not started)"
    local blocker="" installed=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        # Debian's way to keep a package's service from starting at install.
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        blocker=/usr/sbin/policy-rc.d
    fi
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package"; } \
        >/dev/null 2>&1 || installed=$?
    if [ -n "$blocker" ]; then rm -f "$blocker"; fi
    if [ "$installed" != 0 ]; then
        echo "error: cannot install $package" >&2
        return 1
    fi
}

# Starts PgBouncer in transaction mode on a free port of 127.0.0.1 in front of the cluster
# postgres_start last started (every database; users anytable and anytable_tls_only, trusted as
# the cluster trusts them), exports its URL, with `pooler=transaction`, in URL_VARIABLE (default
# ANYTABLE_PGBOUNCER_URL), and stops it with the clusters. Debian's `pgbouncer` package is
# installed if missing (its service kept from starting), and the script says which it uses.
postgres_start_pgbouncer() {
    # MODE lenient: `ignore_startup_parameters = options`, as many production PgBouncers are
    # set up, and a URL without pooler=transaction (what a new user writes).
    local url_var="${1:-ANYTABLE_PGBOUNCER_URL}" mode="${2:-}"
    local server_port bouncer
    server_port="$ANYTABLE_PG_PORT"
    bouncer="$(command -v pgbouncer || ls /usr/sbin/pgbouncer 2>/dev/null || true)"
    if [ -z "$bouncer" ]; then
        postgres_apt_install pgbouncer "for the pooler tests" || return 1
        bouncer="$(command -v pgbouncer || ls /usr/sbin/pgbouncer 2>/dev/null || true)"
        if [ -z "$bouncer" ]; then
            echo "error: the pgbouncer package has no pgbouncer program" >&2
            return 1
        fi
    fi
    local dir port
    dir="$(mktemp -d "${TMPDIR:-/tmp}/anytable-pgbouncer.XXXXXX")"
    ANYTABLE_PGBOUNCER_DIRS="${ANYTABLE_PGBOUNCER_DIRS:-} $dir"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    printf '"anytable" ""\n"anytable_tls_only" ""\n' >"$dir/userlist.txt"
    # server_reset_query is not run in transaction mode; default_pool_size bounds the server
    # sessions (the cluster allows 400), max_client_conn the pools of parallel tests.
    printf '%s\n' "[databases]" "* = host=127.0.0.1 port=$server_port" "[pgbouncer]" \
        "listen_addr = 127.0.0.1" "listen_port = $port" "unix_socket_dir =" \
        "auth_type = trust" "auth_file = $dir/userlist.txt" "pool_mode = transaction" \
        "max_client_conn = 4000" "default_pool_size = 80" \
        "logfile = $dir/pgbouncer.log" "pidfile = $dir/pgbouncer.pid" >"$dir/pgbouncer.ini"
    if [ "$mode" = lenient ]; then
        echo "ignore_startup_parameters = options,extra_float_digits" >>"$dir/pgbouncer.ini"
    fi
    if [ -n "$ANYTABLE_PG_OWNER" ]; then
        chown -R "$ANYTABLE_PG_OWNER" "$dir"
    fi
    # PgBouncer refuses to run as root.
    postgres_as_owner "$bouncer" -d -q "$dir/pgbouncer.ini" || {
        cat "$dir/pgbouncer.log" >&2
        return 1
    }
    local tries=0
    until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do
        tries=$((tries + 1))
        if [ "$tries" -gt 50 ]; then
            cat "$dir/pgbouncer.log" >&2
            return 1
        fi
        sleep 0.1
    done
    if [ "$mode" = lenient ]; then
        export "$url_var=postgres://anytable@127.0.0.1:$port/postgres"
    else
        export "$url_var=postgres://anytable@127.0.0.1:$port/postgres?pooler=transaction"
    fi
    echo "throwaway $("$bouncer" --version | head -1) ($bouncer) in transaction mode at ${!url_var}, in front of port $server_port"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    postgres_start "${1:-C.UTF-8}"
    echo "ANYTABLE_POSTGRES_URL=$ANYTABLE_POSTGRES_URL; exit this shell to stop the server"
    ANYTABLE_POSTGRES_URL="$ANYTABLE_POSTGRES_URL" "${SHELL:-bash}" || true
fi
