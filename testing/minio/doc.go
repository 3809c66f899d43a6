// Package minio starts a real MinIO server, as a child process, for tests
// that need an S3-compatible endpoint with conditional writes and multipart
// uploads. The binary is built once from the Go module proxy and cached.
package minio
