// Package stages is where sluice's stages live, one package each, and where
// a Go program adds its own.
//
// Records travel in batches of one Kafka partition (model.Batch) through a
// chain of Watermill handlers, then sealed rounds through two more:
//
//	parse → partition → [the topic's stages] → buffer ⇒ upload → commit
//
// The bracketed part is configuration: each topic lists its stages by name
// (built-in: filter, transform; see their packages), each with its own
// options:
//
//	defaults:
//	  stages:
//	    - filter: {drop_if: 'level == "debug"'}
//	    - redact_pii: {fields: [email]}
//
// # Adding a stage
//
// Implement Stage (one method over a batch), give it an options struct
// (decoded strictly from the YAML, validated by its Validate method, errors
// reported with path and line like sluice's own), register a factory under
// a name with Register or MustRegister, and call cli.Main (package app/cli)
// from your program's main: every sluice command then knows the stage. See
// the Register example, and examples/ in the repository for a whole program.
//
// A stage must be deterministic (the Stage doc says why), may change fields
// (model.Record's Fields, SetField, DeleteField) and drop records
// (model.Batch.Keep: their offsets are accounted for in the round, so
// "sluice verify" reports them as filtered, never as lost).
//
// The types the stages pass between them (records, batches, rounds) are in
// package model, which every layer may import.
package stages
