// Command s3faultproxy runs package testing/faults's fault-injecting S3
// proxy as its own process, for suites that run every part of the system
// apart (the chaos suite).
//
// Usage:
//
//	s3faultproxy -target http://127.0.0.1:9000 -seed 42 -ready-file FILE
//
// It listens for S3 requests on -addr and serves the admin API
// (faults.Proxy.AdminHandler; faults.Client speaks it) on -admin-addr, both
// on free loopback ports by default. Once listening it writes
// {"url": ..., "admin_url": ..., "seed": ...} to -ready-file (atomically, by
// rename). SIGTERM or SIGINT stops it.
package main
