// Package conf holds the small pieces every configuration in sluice shares:
// a path-prefixed error type for Validate methods (FieldError, Errors), the
// expansion of ${NAME} references in YAML values (ExpandEnv), and a strict
// check of a YAML tree against the Go type it will be decoded into (Check),
// which reports unknown fields and ill-typed values with their YAML path and
// line.
package conf
