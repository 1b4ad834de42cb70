#!/usr/bin/env bash
# The report and console browser tests run Debian's Chromium: install it when missing.
# Only the distribution's package registry is needed (no browser download from elsewhere).
set -euo pipefail
if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then exit 0; fi
sudo_=""
if [ "$(id -u)" != 0 ]; then sudo_="sudo"; fi
$sudo_ apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null
