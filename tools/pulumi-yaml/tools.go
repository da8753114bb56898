//go:build tools

// Package tools pins the Pulumi YAML language host's main package so `go build` can build it from
// this module (see ../../docs/toolchain.md).
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
