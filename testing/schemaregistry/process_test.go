package schemaregistry

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"
)

// TestProcess: the process serves the registry's API with its auth, and
// stops on SIGTERM.
func TestProcess(t *testing.T) {
	p := Start(t, Options{Auth: "Bearer t0ken"})
	cl, err := sr.NewClient(sr.URLs(p.URL()), sr.BearerToken("t0ken"))
	require.NoError(t, err)
	ss, err := cl.CreateSchema(t.Context(), "users-value", sr.Schema{Schema: `"long"`, Type: sr.TypeAvro})
	require.NoError(t, err)
	s, err := cl.SchemaByID(t.Context(), ss.ID)
	require.NoError(t, err)
	assert.JSONEq(t, `"long"`, s.Schema)

	anon, err := sr.NewClient(sr.URLs(p.URL()))
	require.NoError(t, err)
	_, err = anon.SchemaByID(t.Context(), ss.ID)
	var re *sr.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 401, re.StatusCode)

	require.NoError(t, p.Stop())
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err = cl.SchemaByID(ctx, ss.ID)
	require.Error(t, err)
	assert.ErrorIs(t, p.Stop(), ErrNotRunning)
}
