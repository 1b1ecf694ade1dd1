#!/usr/bin/env bash
# Installs goccy/bigquery-emulator — the local BigQuery that `npm start` and the analytics tests
# use — into Go's bin folder ($(go env GOPATH)/bin), or to $BIGQUERY_EMULATOR_BIN when that is set;
# scripts/local/bigquery-emulator.mjs looks in the same places. Pure Go since v0.7, so
# CGO_ENABLED=0 and no C toolchain.
# Built inside bigquery/emulator/ (go.mod + go.sum pin it and every dependency by hash) rather
# than `go install …@v0.8.1`: the module proxy here refuses the module's version list, which
# `go install pkg@version` asks for. Idempotent: exits at once when this version is installed.
#
# Two builds at once (two clones, or `npm start` next to `npm test`) must not race: the build
# takes a lock beside the binary (a second build waits, then finds the binary and exits), writes
# into a temporary file of its own and moves it into place in one rename.
#
# Progress lines for scripts/local/ensure-emulator.ts (the rest is Go's own output):
#   phase: downloading modules | phase: compiling N packages | built: <package> (one per package)
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=v0.8.1 # keep in step with bigquery/emulator/go.mod
PKG=github.com/goccy/bigquery-emulator/cmd/bigquery-emulator

if ! command -v go >/dev/null 2>&1; then
  echo "Go not found; installing Debian's golang-go (GOTOOLCHAIN=auto fetches the Go that go.mod asks for)"
  apt-get update -qq && apt-get install -y -qq golang-go >/dev/null
fi

if [ -n "${BIGQUERY_EMULATOR_BIN:-}" ]; then
  BIN="$BIGQUERY_EMULATOR_BIN"
else
  BIN_DIR="$(go env GOBIN)"
  [ -n "$BIN_DIR" ] || BIN_DIR="$(go env GOPATH | cut -d: -f1)/bin"
  BIN="$BIN_DIR/bigquery-emulator"
fi
mkdir -p "$(dirname "$BIN")"

installed() {
  [ -x "$BIN" ] && go version -m "$BIN" 2>/dev/null | grep -Eq "github.com/goccy/bigquery-emulator[[:space:]]+$VERSION"
}

if installed; then
  echo "bigquery-emulator $VERSION already installed: $BIN"
  exit 0
fi

exec 9>"$BIN.lock"
if ! flock -n 9; then
  echo "another build of bigquery-emulator is running; waiting for it …"
  flock 9
  if installed; then
    echo "bigquery-emulator $VERSION installed by the other build: $BIN"
    exit 0
  fi
fi

TMP="$(mktemp "$BIN.build.XXXXXX")"
trap 'rm -f "$TMP"' EXIT
trap 'exit 143' TERM INT # so the EXIT trap removes the half-written file when npm start stops us
echo "building bigquery-emulator $VERSION (several minutes on a cold Go cache) …"
cd bigquery/emulator
export CGO_ENABLED=0 GOFLAGS=-mod=readonly
echo "phase: downloading modules"
go mod download
echo "phase: compiling $(go list -deps "$PKG" | wc -l) packages"
# -v names each package as it is compiled (on stderr): one line of progress per package.
go build -v -o "$TMP" "$PKG" 2>&1 | sed -u 's/^/built: /'
chmod +x "$TMP"
mv -f "$TMP" "$BIN"
echo "installed: $BIN"
