// Package objstore is where sluice keeps its output files and its progress
// records: an S3 bucket (or an S3-compatible server such as MinIO) or a local
// directory, behind one small Store interface.
//
// Both stores give the guarantees the exactly-once protocol relies on:
// whole-object replacement (a reader never sees a partial object) and
// conditional writes (create-only and compare-and-swap on the ETag). The
// objstoretest package holds the contract suite both stores pass.
//
// The S3 store also applies the bucket's security settings (S3Config's
// Encryption, StorageClass, ACL, Tags and Role) to every request that needs
// them: encryption and the canned ACL to every write, the SSE-C key to
// every write and read, storage class and tags to data files (Put) but not
// to progress records (PutIf).
package objstore
