package objstore

import (
	"crypto/md5" //nolint:gosec // SSE-C sends the key's MD5 as an integrity check, as S3 requires
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// objectSettings holds the request fields that S3Config's encryption and
// object settings add to the store's requests, computed once at open.
type objectSettings struct {
	sse        types.ServerSideEncryption // sse-s3 and sse-kms
	kmsKeyID   *string
	kmsContext *string // base64 of the context's JSON
	bucketKey  *bool
	// sseC is set for sse-c: the key's algorithm, base64 and base64 MD5,
	// sent with every write and read.
	sseC         *customerKey
	acl          types.ObjectCannedACL
	storageClass types.StorageClass // data files only
	tagging      *string            // data files only
}

type customerKey struct{ algorithm, key, keyMD5 *string }

// fields returns the SSE-C request fields: the key's algorithm, base64 and
// base64 MD5, or nils without SSE-C (k nil).
func (k *customerKey) fields() (algorithm, key, keyMD5 *string) {
	if k == nil {
		return nil, nil, nil
	}
	return k.algorithm, k.key, k.keyMD5
}

// newObjectSettings turns c's settings into request fields; c has been
// checked (withDefaults), but the key file is read again here.
func newObjectSettings(c S3Config) (objectSettings, error) {
	o := objectSettings{
		acl:          types.ObjectCannedACL(c.ACL),
		storageClass: types.StorageClass(c.StorageClass),
	}
	if len(c.Tags) > 0 {
		o.tagging = aws.String(encodeTags(c.Tags))
	}
	e := c.Encryption
	switch e.Mode {
	case EncryptionSSES3:
		o.sse = types.ServerSideEncryptionAes256
	case EncryptionSSEKMS:
		o.sse = types.ServerSideEncryptionAwsKms
		if e.KMSKeyID != "" {
			o.kmsKeyID = aws.String(e.KMSKeyID)
		}
		if len(e.Context) > 0 {
			js, err := json.Marshal(e.Context)
			if err != nil {
				return o, fmt.Errorf("encoding the KMS encryption context: %w", err)
			}
			o.kmsContext = aws.String(base64.StdEncoding.EncodeToString(js))
		}
		if e.BucketKey {
			o.bucketKey = aws.Bool(true)
		}
	case EncryptionSSEC:
		key, err := readCustomerKey(e.CustomerKeyFile)
		if err != nil {
			return o, fmt.Errorf("encryption.customer_key_file: %w", err)
		}
		sum := md5.Sum(key) //nolint:gosec // required by the SSE-C protocol
		o.sseC = &customerKey{
			algorithm: aws.String("AES256"),
			key:       aws.String(base64.StdEncoding.EncodeToString(key)),
			keyMD5:    aws.String(base64.StdEncoding.EncodeToString(sum[:])),
		}
	}
	return o, nil
}

// encodeTags renders tags as the x-amz-tagging header wants them: a URL
// query string, keys sorted, spaces as %20.
func encodeTags(tags map[string]string) string {
	esc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	parts := make([]string, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		parts = append(parts, esc(k)+"="+esc(tags[k]))
	}
	return strings.Join(parts, "&")
}

// put sets the fields of a PutObject request: encryption and ACL always,
// storage class and tags for data files only (not progress records).
func (o *objectSettings) put(in *s3.PutObjectInput, dataFile bool) {
	in.ServerSideEncryption, in.SSEKMSKeyId, in.SSEKMSEncryptionContext, in.BucketKeyEnabled =
		o.sse, o.kmsKeyID, o.kmsContext, o.bucketKey
	in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = o.sseC.fields()
	in.ACL = o.acl
	if dataFile {
		in.StorageClass, in.Tagging = o.storageClass, o.tagging
	}
}

// create sets the fields of a CreateMultipartUpload request (data files).
func (o *objectSettings) create(in *s3.CreateMultipartUploadInput) {
	in.ServerSideEncryption, in.SSEKMSKeyId, in.SSEKMSEncryptionContext, in.BucketKeyEnabled =
		o.sse, o.kmsKeyID, o.kmsContext, o.bucketKey
	in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = o.sseC.fields()
	in.ACL, in.StorageClass, in.Tagging = o.acl, o.storageClass, o.tagging
}

// part sets the SSE-C key on an UploadPart request, which S3 requires for
// every part of an SSE-C upload.
func (o *objectSettings) part(in *s3.UploadPartInput) {
	in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = o.sseC.fields()
}

// complete sets the SSE-C key on a CompleteMultipartUpload request (S3
// needs it there to check the parts' checksums).
func (o *objectSettings) complete(in *s3.CompleteMultipartUploadInput) {
	in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = o.sseC.fields()
}

// get sets the SSE-C key on a GetObject request.
func (o *objectSettings) get(in *s3.GetObjectInput) {
	in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = o.sseC.fields()
}
