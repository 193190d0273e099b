#!/usr/bin/env bash
# Browser tests drive Debian's chromium (playwright cannot download browsers on this network).
# Installs it on a fresh machine; a no-op when it is already there or CHROMIUM_PATH points elsewhere.
set -euo pipefail
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium_path" ]; then exit 0; fi
echo "Installing Debian chromium for the browser tests..."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
"$chromium_path" --version
