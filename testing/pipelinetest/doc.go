// Package pipelinetest holds what tests that run a whole pipeline share: a
// configuration for a local test (Config) and a logger that writes to the
// test log (Logger).
package pipelinetest
