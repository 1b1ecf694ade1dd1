//go:build tools

// Package tools pins goccy/bigquery-emulator and, through go.sum, every module it is built from.
// .ci/setup.d/20-bigquery-emulator.sh builds the binary from this module.
package tools

import _ "github.com/goccy/bigquery-emulator/cmd/bigquery-emulator"
