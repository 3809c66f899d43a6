package objstore

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// assumeRole replaces awsCfg's credentials with those of r's role, assumed
// (STS AssumeRole) with awsCfg's credentials: the static keys or the
// default chain. The temporary credentials are cached and renewed before
// they expire. set.HTTPClient, when set, also carries the STS requests.
func assumeRole(awsCfg *aws.Config, r S3Role, set Settings) {
	client := sts.NewFromConfig(*awsCfg, func(o *sts.Options) {
		if r.STSEndpoint != "" {
			o.BaseEndpoint = aws.String(r.STSEndpoint)
		}
		if set.HTTPClient != nil {
			o.HTTPClient = set.HTTPClient
		}
	})
	provider := stscreds.NewAssumeRoleProvider(client, r.ARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = r.SessionName
		o.Duration = r.Duration
		if r.ExternalID != "" {
			o.ExternalID = aws.String(r.ExternalID)
		}
	})
	awsCfg.Credentials = aws.NewCredentialsCache(roleProvider{arn: r.ARN, inner: provider})
}

// roleProvider marks the errors of assuming the role, so that classify can
// tell them from S3's refusals.
type roleProvider struct {
	arn   string
	inner aws.CredentialsProvider
}

func (p roleProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := p.inner.Retrieve(ctx)
	if err != nil {
		return c, &roleError{arn: p.arn, err: err}
	}
	return c, nil
}

// roleError is a failure to assume the configured role.
type roleError struct {
	arn string
	err error
}

func (e *roleError) Error() string { return "assuming role " + e.arn + ": " + e.err.Error() }
func (e *roleError) Unwrap() error { return e.err }
