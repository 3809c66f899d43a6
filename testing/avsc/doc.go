// Package avsc reads Avro object container files from Go tests with avsc,
// the JavaScript Avro implementation, as an independent reader of the
// files sluice writes. avsc runs in node (read.mjs) from the npm packages
// installed next to this file as package-lock.json pins them:
//
//	npm ci --prefix testing/avsc
//
// Read skips the calling test when node or the packages are missing,
// unless the CI environment variable is set: then it fails the test.
package avsc
