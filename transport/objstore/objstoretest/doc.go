// Package objstoretest holds the contract every objstore.Store passes:
// whole-object puts and gets, listing in key order, deletes, conditional
// writes that are real compare-and-swaps under concurrency, and multipart
// uploads that round-trip byte for byte. Run it against a new store
// implementation (or a new S3-compatible server) with Contract.
package objstoretest
