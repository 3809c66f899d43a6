package objstore

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluicehq/sluice/conf"
)

// S3Encryption configures server-side encryption of every object sluice
// writes (data files and progress records) and, for SSE-C, every read.
type S3Encryption struct {
	// Mode is "none" (the bucket's default encryption applies), "sse-s3"
	// (S3-managed keys, AES256), "sse-kms" (AWS KMS keys) or "sse-c" (a key
	// sluice holds and sends with every request). Default "none".
	Mode string `yaml:"mode"`
	// KMSKeyID is the KMS key (id, alias or ARN) for sse-kms; empty uses the
	// AWS managed key aws/s3.
	KMSKeyID string `yaml:"kms_key_id"`
	// Context is the KMS encryption context for sse-kms: extra
	// authenticated data that key policies and CloudTrail can see.
	Context map[string]string `yaml:"context,omitempty"`
	// BucketKey enables an S3 Bucket Key for sse-kms, which cuts KMS
	// requests (and their cost) by using a bucket-level data key.
	BucketKey bool `yaml:"bucket_key"`
	// CustomerKeyFile is the file holding the sse-c key: exactly 32 raw
	// bytes, or the standard base64 of 32 bytes (44 characters; surrounding
	// whitespace is ignored), as "openssl rand -base64 32" writes. Required
	// for sse-c. Every reader (verify, lag) needs the same key.
	CustomerKeyFile string `yaml:"customer_key_file"`
}

// S3Role configures an IAM role sluice assumes (STS AssumeRole) on top of
// the base credentials: the static keys if set, else the AWS default chain
// (which covers web identity, i.e. IRSA on EKS, by itself).
type S3Role struct {
	// ARN is the role to assume ("arn:aws:iam::123456789012:role/sluice");
	// empty assumes none.
	ARN string `yaml:"arn"`
	// ExternalID is the external id the role's trust policy requires, if any.
	ExternalID string `yaml:"external_id"`
	// SessionName names the role session (in CloudTrail). Default "sluice".
	SessionName string `yaml:"session_name"`
	// Duration is how long each set of temporary credentials lasts; they
	// are renewed before they expire. 15m to 12h (at most the role's maximum
	// session duration; 1h when the base credentials are themselves a role).
	// Default 1h.
	Duration time.Duration `yaml:"duration"`
	// STSEndpoint overrides the STS endpoint ("https://sts.eu-west-1.amazonaws.com",
	// or an S3-compatible server's STS API). Empty uses the region's AWS
	// STS endpoint (or $AWS_ENDPOINT_URL_STS).
	STSEndpoint string `yaml:"sts_endpoint"`
}

// The values of S3Encryption.Mode.
const (
	// EncryptionNone sends no encryption headers: the bucket's default
	// encryption applies.
	EncryptionNone = "none"
	// EncryptionSSES3 encrypts with S3-managed keys (AES256).
	EncryptionSSES3 = "sse-s3"
	// EncryptionSSEKMS encrypts with an AWS KMS key.
	EncryptionSSEKMS = "sse-kms"
	// EncryptionSSEC encrypts with a customer-provided key.
	EncryptionSSEC = "sse-c"
)

// Defaults of S3Role.
const (
	// DefaultRoleSessionName is S3Role.SessionName's default.
	DefaultRoleSessionName = "sluice"
	// DefaultRoleDuration is S3Role.Duration's default.
	DefaultRoleDuration = time.Hour
	// MinRoleDuration and MaxRoleDuration are STS's limits on a session.
	MinRoleDuration = 15 * time.Minute
	MaxRoleDuration = 12 * time.Hour
)

// S3's limits on object tags.
const (
	maxTags        = 10
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

var (
	encryptionModes = []string{EncryptionNone, EncryptionSSES3, EncryptionSSEKMS, EncryptionSSEC}
	// tagChars are the characters S3 allows in tag keys and values.
	tagChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	// sessionName is STS's rule for role session names.
	sessionName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	// externalID is STS's rule for external ids' characters (2 to 1224 of
	// them, checked apart: Go's regexp caps repeat counts at 1000).
	externalID = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
)

// validateSecurity adds the problems of the encryption, object and role
// settings to errs.
func (c S3Config) validateSecurity(errs *conf.Errors) {
	errs.Nest("encryption", c.Encryption.validate())
	if c.StorageClass != "" && !slices.Contains(storageClasses(), c.StorageClass) {
		errs.Addf("storage_class", "unknown storage class %q (want one of %s)", c.StorageClass, strings.Join(storageClasses(), ", "))
	}
	if c.ACL != "" && !slices.Contains(cannedACLs(), c.ACL) {
		errs.Addf("acl", "unknown canned ACL %q (want one of %s)", c.ACL, strings.Join(cannedACLs(), ", "))
	}
	validateTags(c.Tags, errs)
	errs.Nest("role", c.Role.validate())
}

func (e S3Encryption) validate() error {
	var errs conf.Errors
	if !slices.Contains(encryptionModes, e.Mode) {
		errs.Addf("mode", "unknown mode %q (want %s)", e.Mode, strings.Join(encryptionModes, ", "))
	}
	kms := e.Mode == EncryptionSSEKMS
	if e.KMSKeyID != "" && !kms {
		errs.Addf("kms_key_id", "only with mode %s", EncryptionSSEKMS)
	}
	if len(e.Context) > 0 && !kms {
		errs.Addf("context", "only with mode %s", EncryptionSSEKMS)
	}
	if _, ok := e.Context[""]; ok {
		errs.Addf("context", "empty key")
	}
	if e.BucketKey && !kms {
		errs.Addf("bucket_key", "only with mode %s", EncryptionSSEKMS)
	}
	switch {
	case e.Mode == EncryptionSSEC && e.CustomerKeyFile == "":
		errs.Addf("customer_key_file", "required with mode %s", EncryptionSSEC)
	case e.Mode != EncryptionSSEC && e.CustomerKeyFile != "":
		errs.Addf("customer_key_file", "only with mode %s", EncryptionSSEC)
	case e.CustomerKeyFile != "":
		if _, err := readCustomerKey(e.CustomerKeyFile); err != nil {
			errs.Add("customer_key_file", err)
		}
	}
	return errs.Err()
}

// readCustomerKey reads an SSE-C key file: exactly 32 bytes are the key
// itself; anything else must be the standard base64 encoding of 32 bytes,
// surrounding whitespace ignored.
func readCustomerKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the SSE-C key: %w", err)
	}
	if len(data) == 32 {
		return data, nil
	}
	key, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(data)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%s: an SSE-C key is 32 raw bytes or their base64 (44 characters), got %d bytes that are neither", path, len(data))
	}
	return key, nil
}

// validateTags checks S3's rules for object tags.
func validateTags(tags map[string]string, errs *conf.Errors) {
	if len(tags) > maxTags {
		errs.Addf("tags", "at most %d tags, got %d", maxTags, len(tags))
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		v := tags[k]
		switch n := utf8.RuneCountInString(k); {
		case n == 0:
			errs.Addf("tags", "empty tag key")
		case n > maxTagKeyLen:
			errs.Addf("tags", "key %q is longer than %d characters", k, maxTagKeyLen)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			errs.Addf("tags", "key %q: the aws: prefix is reserved", k)
		case !tagChars.MatchString(k):
			errs.Addf("tags", "key %q: only letters, digits, spaces and _ . : / = + - @ are allowed", k)
		}
		switch {
		case utf8.RuneCountInString(v) > maxTagValueLen:
			errs.Addf("tags", "value of %q is longer than %d characters", k, maxTagValueLen)
		case !tagChars.MatchString(v):
			errs.Addf("tags", "value of %q: only letters, digits, spaces and _ . : / = + - @ are allowed", k)
		}
	}
}

func (r S3Role) validate() error {
	var errs conf.Errors
	if r.ARN != "" && (!strings.HasPrefix(r.ARN, "arn:") || !strings.Contains(r.ARN, ":role/")) {
		errs.Addf("arn", "%q is not a role ARN (want arn:aws:iam::ACCOUNT:role/NAME)", r.ARN)
	}
	if r.ExternalID != "" {
		if r.ARN == "" {
			errs.Addf("external_id", "needs arn")
		} else if n := len(r.ExternalID); n < 2 || n > 1224 || !externalID.MatchString(r.ExternalID) {
			errs.Addf("external_id", "must be 2 to 1224 of letters, digits and _ + = , . @ : / -")
		}
	}
	if !sessionName.MatchString(r.SessionName) {
		errs.Addf("session_name", "%q must be 2 to 64 of letters, digits and _ + = , . @ -", r.SessionName)
	}
	if r.Duration < MinRoleDuration || r.Duration > MaxRoleDuration {
		errs.Addf("duration", "must be from %s to %s, got %s", MinRoleDuration, MaxRoleDuration, r.Duration)
	}
	if r.STSEndpoint != "" {
		if r.ARN == "" {
			errs.Addf("sts_endpoint", "needs arn")
		}
		if u, err := url.Parse(r.STSEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs.Addf("sts_endpoint", "%q is not an http:// or https:// URL", r.STSEndpoint)
		}
	}
	return errs.Err()
}

// storageClasses lists the storage classes the SDK knows.
func storageClasses() []string {
	var out []string
	for _, v := range types.StorageClass("").Values() {
		out = append(out, string(v))
	}
	return out
}

// cannedACLs lists the canned ACLs an object may get.
func cannedACLs() []string {
	var out []string
	for _, v := range types.ObjectCannedACL("").Values() {
		out = append(out, string(v))
	}
	return out
}
