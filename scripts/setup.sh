#!/usr/bin/env bash
# Installs what building and testing Tickwork needs on a fresh Debian machine
# with Swift: the ncursesw headers (for the dashboard) and tmux (for the
# end-to-end tests). Quiet and quick when everything is already there.
set -euo pipefail
need=()
[ -e /usr/include/ncursesw/curses.h ] || [ -e /usr/include/curses.h ] || need+=(libncurses-dev)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v swift >/dev/null 2>&1 || { echo "setup: swift is not on PATH (Swift 6 toolchain needed)" >&2; exit 1; }
