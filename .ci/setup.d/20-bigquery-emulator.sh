#!/usr/bin/env bash
# Installs goccy/bigquery-emulator — the local BigQuery that `npm start` and the analytics tests
# use — into Go's bin folder ($(go env GOPATH)/bin), where scripts/local/bigquery-emulator.mjs
# looks for it. Pure Go since v0.7, so CGO_ENABLED=0 and no C toolchain.
# Built inside bigquery/emulator/ (go.mod + go.sum pin it and every dependency by hash) rather
# than `go install …@v0.8.1`: the module proxy here refuses the module's version list, which
# `go install pkg@version` asks for. Idempotent: exits at once when this version is installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=v0.8.1 # keep in step with bigquery/emulator/go.mod

if ! command -v go >/dev/null 2>&1; then
  echo "Go not found; installing Debian's golang-go (GOTOOLCHAIN=auto fetches the Go that go.mod asks for)"
  apt-get update -qq && apt-get install -y -qq golang-go >/dev/null
fi

BIN_DIR="$(go env GOBIN)"
[ -n "$BIN_DIR" ] || BIN_DIR="$(go env GOPATH | cut -d: -f1)/bin"
BIN="$BIN_DIR/bigquery-emulator"

if [ -x "$BIN" ] && go version -m "$BIN" 2>/dev/null | grep -Eq "github.com/goccy/bigquery-emulator[[:space:]]+$VERSION"; then
  echo "bigquery-emulator $VERSION already installed: $BIN"
  exit 0
fi

echo "building bigquery-emulator $VERSION (several minutes on a cold Go cache) …"
mkdir -p "$BIN_DIR"
(cd bigquery/emulator && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -o "$BIN.tmp" github.com/goccy/bigquery-emulator/cmd/bigquery-emulator)
mv "$BIN.tmp" "$BIN"
echo "installed: $BIN"
