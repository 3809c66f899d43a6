// Package archivetest reads an archive back for tests: every data object in
// a store, decoded independently of the encoders (Parquet with arrow-go's
// file reader, JSON lines with encoding/json), so tests can assert that every
// produced offset is stored exactly once under the right name.
package archivetest
