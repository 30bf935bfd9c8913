#!/usr/bin/env bash
# Installs the Debian packages Shturman's tests, demo and benchmarks need. Idempotent:
# only missing commands trigger apt-get. Run as root (CI does); otherwise uses sudo if present.
set -euo pipefail

need=()
have() { [ -x "$1" ] || command -v "$1" >/dev/null 2>&1; }
want() { have "$1" || need+=("$2"); }

want /usr/sbin/sshd openssh-server
want ssh openssh-client
want nginx nginx-light
want redis-server redis-server
want /usr/lib/postgresql/15/bin/initdb postgresql
want curl curl
want /usr/bin/python3 python3   # test hosts run their services with the system Python
want gzip gzip
want ss iproute2
want pkill procps
want lsof lsof
want git git   # the backup tests inspect and clone the repository with it
want runuser util-linux
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
# Voice notes: RHVoice (Debian non-free) speaks, espeak-ng is the fallback voice.
want RHVoice-test rhvoice
want /usr/share/RHVoice/languages/Russian rhvoice-russian
want /usr/share/RHVoice/languages/English rhvoice-english
want espeak-ng espeak-ng
# The web app: htmx comes from the npm registry (scripts/setup-web.sh); the browser tests drive
# Debian's chromium through Playwright (never `playwright install`).
want npm npm
want /usr/bin/chromium chromium
want promtool prometheus   # tests/test_deploy_files.py checks deploy/prometheus with promtool

# RHVoice lives in Debian's non-free component; the base image enables main only. Adds
# `non-free` to every deb822 `Components:` line and every one-line `deb` entry that lacks it.
enable_non_free() {
  local deb822=/etc/apt/sources.list.d/debian.sources one_line=/etc/apt/sources.list
  local lacks='[[:space:]]non-free([[:space:]]|$)'
  if [ -f "$deb822" ]; then
    $SUDO sed -i -E "/^Components:/{/$lacks/!s/[[:space:]]*\$/ non-free/}" "$deb822"
  fi
  if [ -f "$one_line" ]; then
    $SUDO sed -i -E "/^deb(-src)?[[:space:]]/{/$lacks/!s/[[:space:]]*\$/ non-free/}" "$one_line"
  fi
}

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "setup: installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
case " ${need[*]} " in *" rhvoice"*) enable_non_free ;; esac
$SUDO apt-get update -qq
# Services must not auto-start inside containers; the tests start their own instances.
printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
$SUDO chmod +x /usr/sbin/policy-rc.d
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
$SUDO rm -f /usr/sbin/policy-rc.d
