#!/usr/bin/env bash
# A throwaway PostgreSQL on loopback for the tests (issue 15):
#   scripts/postgres.sh start DIR   prints the server's URL (password auth over TCP)
#   scripts/postgres.sh restart DIR restarts it (same port; for the tests of an outage)
#   scripts/postgres.sh stop DIR    stops it and removes DIR
# Installs Debian's postgresql if initdb is missing. The cluster lives in DIR,
# listens on 127.0.0.1 at a free port (and a socket in DIR), with fsync off:
# nothing in it is meant to last. As root, the server runs as `postgres`
# (initdb refuses root).
set -euo pipefail
cmd=${1:?start or stop}; dir=${2:?a folder}
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
bin=$(find_bin || true)
case $cmd in
start)
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
        echo "postgres: installing postgresql" >&2
        SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
        bin=$(find_bin)
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
    printf '%s\n' "$password" > "$dir/pw"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/pw"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pw" --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" > "$dir/port"
    echo "postgresql://postgres:$password@127.0.0.1:$port/postgres"
    ;;
restart)
    # The same port and options (pg_ctl keeps them in postmaster.opts).
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w restart >/dev/null
    ;;
stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*) echo "usage: $0 start|restart|stop DIR" >&2; exit 2 ;;
esac
