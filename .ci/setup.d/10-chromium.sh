#!/usr/bin/env bash
# Installs Debian's Chromium for the docs' browser tests (driven by playwright-core at
# /usr/bin/chromium; Playwright never downloads a browser here). Idempotent: exits at once when
# Chromium is already installed.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
echo "installing chromium (about 120 MB) …"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
echo "installed: $(/usr/bin/chromium --version)"
