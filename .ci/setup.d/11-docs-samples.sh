#!/usr/bin/env bash
# Runtimes for the docs' postback samples that npm does not bring: PHP (Debian's php-cli) for the
# PHP sample. The Python sample's library is pip-installed into .tmp/docs-python-venv by the test
# itself (pinned in scripts/docs/python-requirements.txt). Idempotent and fast when installed.
set -euo pipefail
if command -v php >/dev/null 2>&1; then
  echo "php already installed: $(php --version | head -1)"
else
  echo "installing php-cli …"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq php-cli >/dev/null
  echo "installed: $(php --version | head -1)"
fi
# Debian's python3 has the venv module but creates no venv without ensurepip (python3-venv).
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  echo "installing python3-venv …"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi
