// Package duckdb runs SQL in DuckDB from Go tests, as an independent reader of
// the Parquet files sluice writes (read_parquet). DuckDB runs in node through
// the @duckdb/node-api npm package, installed next to this file:
//
//	npm ci --prefix testing/duckdb
//
// Query skips the calling test when node or the package is missing, unless the
// CI environment variable is set: then it fails the test.
package duckdb
