#!/usr/bin/env bash
# Installs what building and testing Tickwork needs on a fresh Debian machine
# with Swift: the ncursesw, sqlite3 and libpq headers, tmux (for the
# end-to-end tests) and python3 (a raw socket client in them). Quiet and quick when everything is already there.
set -euo pipefail
need=()
[ -e /usr/include/ncursesw/curses.h ] || [ -e /usr/include/curses.h ] || need+=(libncurses-dev)
# The state file (TickworkStore) links the system's libsqlite3.
[ -e /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
# The cluster store (TickworkPostgres) links libpq.
[ -e /usr/include/postgresql/libpq-fe.h ] || need+=(libpq-dev)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
# The wire's end-to-end tests kill a client mid-frame from a Python one-liner.
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The metrics tests check the text with promtool (Debian's prometheus) and
# Python's prometheus_client parser.
if ! command -v promtool >/dev/null 2>&1; then
    echo "setup: installing prometheus (for promtool)" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
if ! python3 -c "import prometheus_client" 2>/dev/null && ! /usr/bin/python3 -c "import prometheus_client" 2>/dev/null; then
    echo "setup: installing prometheus_client (Python)" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-prometheus-client >/dev/null 2>&1 || true
    python3 -c "import prometheus_client" 2>/dev/null || /usr/bin/python3 -c "import prometheus_client" 2>/dev/null \
        || python3 -m pip install -q prometheus_client 2>/dev/null \
        || python3 -m pip install -q --break-system-packages prometheus_client
fi
command -v swift >/dev/null 2>&1 || { echo "setup: swift is not on PATH (Swift 6 toolchain needed)" >&2; exit 1; }
