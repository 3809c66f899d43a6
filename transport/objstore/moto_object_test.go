package objstore_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/transport/objstore"
)

// headerTransport records one header of every request that creates an
// object (PUT without a part number, or POST starting an upload).
type headerTransport struct {
	header string
	got    map[string]string // "METHOD path" → header
}

func (h *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	q := req.URL.Query()
	creates := (req.Method == http.MethodPut && !q.Has("partNumber")) || (req.Method == http.MethodPost && q.Has("uploads"))
	if creates {
		h.got[req.Method+" "+req.URL.Path] = req.Header.Get(h.header)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestS3ObjectSettingsMoto writes with a storage class, a canned ACL and
// tags, and checks what moto reports: data files (single and multipart)
// get all three; progress records get the ACL but keep the default storage
// class and no tags.
func TestS3ObjectSettingsMoto(t *testing.T) {
	cfg := startMoto(t)
	client := motoBucket(t, cfg, "objects")
	base := objstore.DefaultS3Config()
	base.Endpoint, base.Region, base.PathStyle = cfg.Endpoint, cfg.Region, true
	base.AccessKeyID, base.SecretAccessKey = cfg.AccessKeyID, cfg.SecretAccessKey
	base.PartSize = objstore.MinPartSize

	t.Run("storage class, public-read, tags", func(t *testing.T) {
		c := base
		c.StorageClass, c.ACL = "STANDARD_IA", "public-read"
		c.Tags = map[string]string{"team": "data", "cost centre": "a+b=c/d"}
		require.NoError(t, c.Validate())
		st, err := objstore.Open(t.Context(), "s3://objects/settings", c, objstore.Settings{})
		require.NoError(t, err)
		for _, key := range writeSome(t, st) {
			full := aws.String("settings/" + key)
			dataFile := key != "_sluice/progress/t/0.json"
			head, err := client.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("objects"), Key: full})
			require.NoError(t, err, key)
			tags, err := client.GetObjectTagging(t.Context(), &s3.GetObjectTaggingInput{Bucket: aws.String("objects"), Key: full})
			require.NoError(t, err, key)
			got := map[string]string{}
			for _, tag := range tags.TagSet {
				got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
			}
			if dataFile {
				assert.Equal(t, types.StorageClassStandardIa, head.StorageClass, key)
				assert.Equal(t, c.Tags, got, key)
			} else {
				assert.Contains(t, []types.StorageClass{"", types.StorageClassStandard}, head.StorageClass, key)
				assert.Empty(t, got, key)
			}
			acl, err := client.GetObjectAcl(t.Context(), &s3.GetObjectAclInput{Bucket: aws.String("objects"), Key: full})
			require.NoError(t, err, key)
			assert.True(t, grants(acl.Grants, "http://acs.amazonaws.com/groups/global/AllUsers", types.PermissionRead), "%s: %+v", key, acl.Grants)
		}
	})

	t.Run("bucket-owner-full-control on every write", func(t *testing.T) {
		c := base
		c.ACL = "bucket-owner-full-control"
		rec := &headerTransport{header: "X-Amz-Acl", got: map[string]string{}}
		st, err := objstore.Open(t.Context(), "s3://objects/cross", c, objstore.Settings{HTTPClient: &http.Client{Transport: rec}})
		require.NoError(t, err)
		writeSome(t, st)
		assert.Equal(t, map[string]string{
			"PUT /objects/cross/data/small":                "bucket-owner-full-control",
			"POST /objects/cross/data/big":                 "bucket-owner-full-control",
			"PUT /objects/cross/_sluice/progress/t/0.json": "bucket-owner-full-control",
		}, rec.got)
		acl, err := client.GetObjectAcl(t.Context(), &s3.GetObjectAclInput{Bucket: aws.String("objects"), Key: aws.String("cross/data/big")})
		require.NoError(t, err)
		assert.False(t, grants(acl.Grants, "http://acs.amazonaws.com/groups/global/AllUsers", types.PermissionRead))
	})
}

// TestS3KMSFieldsMoto checks the SSE-KMS fields as moto records them
// (MinIO's static key does not report a bucket key): the key id on data
// files and progress records, and the bucket key where moto keeps it (not
// on multipart uploads: there the request header is checked).
func TestS3KMSFieldsMoto(t *testing.T) {
	cfg := startMoto(t)
	client := motoBucket(t, cfg, "kms")
	c := objstore.DefaultS3Config()
	c.Endpoint, c.Region, c.PathStyle = cfg.Endpoint, cfg.Region, true
	c.AccessKeyID, c.SecretAccessKey = cfg.AccessKeyID, cfg.SecretAccessKey
	c.PartSize = objstore.MinPartSize
	const keyARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	c.Encryption = objstore.S3Encryption{Mode: objstore.EncryptionSSEKMS, KMSKeyID: keyARN,
		Context: map[string]string{"team": "data"}, BucketKey: true}
	rec := &headerTransport{header: "X-Amz-Server-Side-Encryption-Bucket-Key-Enabled", got: map[string]string{}}
	st, err := objstore.Open(t.Context(), "s3://kms", c, objstore.Settings{HTTPClient: &http.Client{Transport: rec}})
	require.NoError(t, err)
	for _, key := range writeSome(t, st) {
		head, err := client.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("kms"), Key: aws.String(key)})
		require.NoError(t, err, key)
		assert.Equal(t, types.ServerSideEncryptionAwsKms, head.ServerSideEncryption, key)
		assert.Equal(t, keyARN, aws.ToString(head.SSEKMSKeyId), key)
		if key != "data/big" {
			assert.True(t, aws.ToBool(head.BucketKeyEnabled), key)
		}
	}
	assert.Equal(t, map[string]string{
		"PUT /kms/data/small": "true", "POST /kms/data/big": "true", "PUT /kms/_sluice/progress/t/0.json": "true",
	}, rec.got)
}

// grants reports whether the grants give uri (a group) permission.
func grants(gs []types.Grant, uri string, p types.Permission) bool {
	for _, g := range gs {
		if g.Grantee != nil && aws.ToString(g.Grantee.URI) == uri && g.Permission == p {
			return true
		}
	}
	return false
}
