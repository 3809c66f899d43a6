package objstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/conf"
)

// Defaults the S3 store applies to zero-valued S3Config fields.
const (
	// DefaultRegion is used when neither S3Config.Region nor the AWS
	// environment names one.
	DefaultRegion = "us-east-1"
	// DefaultChecksum is S3Config.Checksum's default.
	DefaultChecksum = ChecksumWhenSupported
	// DefaultPartSize is S3Config.PartSize's default.
	DefaultPartSize = conf.ByteSize(16 << 20)
	// MinPartSize is S3's smallest multipart part (but the last).
	MinPartSize = conf.ByteSize(5 << 20)
	// DefaultPartConcurrency is S3Config.PartConcurrency's default.
	DefaultPartConcurrency = 4
	// DefaultMaxAttempts is S3Config.MaxAttempts's default.
	DefaultMaxAttempts = 5
	// DefaultMaxBackoff is S3Config.MaxBackoff's default.
	DefaultMaxBackoff = 20 * time.Second
)

// The values of S3Config.Checksum.
const (
	// ChecksumWhenSupported sends a checksum with every request that can
	// carry one (the SDK default).
	ChecksumWhenSupported = "when_supported"
	// ChecksumWhenRequired sends checksums only where the API requires them,
	// for S3-compatible servers that reject the newer ones.
	ChecksumWhenRequired = "when_required"
)

// maxParts is S3's limit on the parts of one multipart upload.
const maxParts = 10000

// withDefaults fills zero-valued fields (all but Region, which the AWS
// environment may supply) and rejects values the store cannot use.
func (c S3Config) withDefaults() (S3Config, error) {
	if c.Checksum == "" {
		c.Checksum = DefaultChecksum
	}
	if c.PartSize == 0 {
		c.PartSize = DefaultPartSize
	}
	if c.PartConcurrency == 0 {
		c.PartConcurrency = DefaultPartConcurrency
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.Encryption.Mode == "" {
		c.Encryption.Mode = EncryptionNone
	}
	if c.Role.SessionName == "" {
		c.Role.SessionName = DefaultRoleSessionName
	}
	if c.Role.Duration == 0 {
		c.Role.Duration = DefaultRoleDuration
	}
	var errs []error
	if c.Checksum != ChecksumWhenSupported && c.Checksum != ChecksumWhenRequired {
		errs = append(errs, fmt.Errorf("checksum: unknown value %q (want %s or %s)", c.Checksum, ChecksumWhenSupported, ChecksumWhenRequired))
	}
	if c.PartSize < MinPartSize {
		errs = append(errs, fmt.Errorf("part_size: %s is below S3's minimum of %s", c.PartSize, MinPartSize))
	}
	if c.PartConcurrency < 0 {
		errs = append(errs, fmt.Errorf("part_concurrency: %d is negative", c.PartConcurrency))
	}
	if c.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("max_attempts: %d is negative", c.MaxAttempts))
	}
	if c.MaxBackoff < 0 {
		errs = append(errs, fmt.Errorf("max_backoff: %s is negative", c.MaxBackoff))
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		errs = append(errs, errors.New("access_key_id and secret_access_key go together"))
	}
	var sec conf.Errors
	c.validateSecurity(&sec)
	errs = append(errs, sec.Err())
	return c, errors.Join(errs...)
}

// newS3Client builds the SDK client: static or default-chain credentials
// (under an assumed role if one is configured),
// the standard retryer bounded by MaxAttempts and MaxBackoff, and the
// configured endpoint, addressing style and checksum policy. c has its
// defaults applied.
func newS3Client(ctx context.Context, c S3Config, set Settings) (*s3.Client, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = c.MaxAttempts
				o.MaxBackoff = c.MaxBackoff
				// No client-side retry budget: sluice is the only user of
				// its client, and a failed upload is retried as a round.
				o.RateLimiter = ratelimit.None
			})
		}),
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.AccessKeyID != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)))
	}
	if c.Checksum == ChecksumWhenRequired {
		opts = append(opts,
			config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
			config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = DefaultRegion
	}
	if c.Role.ARN != "" {
		assumeRole(&awsCfg, c.Role, set)
	}
	traceOptions(&awsCfg.APIOptions, set.TracerProvider)
	return s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		o.UsePathStyle = c.PathStyle
		// Set here rather than in LoadDefaultConfig, which refuses a plain
		// *http.Client when the environment names a CA bundle.
		if set.HTTPClient != nil {
			o.HTTPClient = set.HTTPClient
		}
		if set.RequestStats != nil {
			set.RequestStats.option(o)
		}
	}), nil
}
