package faults_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/faults"
)

func TestClientControlsProxy(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer target.Close()
	p := start(t, target.URL)
	admin := httptest.NewServer(p.AdminHandler())
	defer admin.Close()
	c := faults.NewClient(admin.URL, admin.Client())
	ctx := t.Context()

	require.NoError(t, c.Set(ctx,
		faults.Fault{Kind: faults.Delay, Rate: 1, Delay: 10 * time.Millisecond, Methods: []string{"PUT"}},
		faults.Fault{Kind: faults.Status5xx, Rate: 1, Status: 502, PathPrefix: "/bkt/"},
	))
	assert.Equal(t, []int{502, 502}, statusSequence(t, p, 2))
	st, err := c.Stats(ctx)
	require.NoError(t, err)
	assert.Equal(t, p.Stats(), st)
	assert.Equal(t, map[faults.Kind]int64{faults.Status5xx: 2}, st.Injected)

	require.NoError(t, c.Clear(ctx))
	assert.Equal(t, []int{200}, statusSequence(t, p, 1))

	err = c.Set(ctx, faults.Fault{Kind: faults.Status5xx, Rate: 2})
	require.ErrorIs(t, err, faults.ErrAdmin)
	assert.ErrorContains(t, err, "rate: 2")

	// A throttling burst over the admin API: its retry_after and limit
	// arrive.
	require.NoError(t, c.Set(ctx, faults.Fault{Kind: faults.Throttle, Rate: 1, Limit: 1, RetryAfter: 3 * time.Second}))
	assert.Equal(t, []int{503, 200}, statusSequence(t, p, 2))
	err = c.Set(ctx, faults.Fault{Kind: faults.Throttle, Rate: 1, Limit: -1, RetryAfter: -time.Second})
	require.ErrorIs(t, err, faults.ErrAdmin)
	assert.ErrorContains(t, err, "limit: -1")
	assert.ErrorContains(t, err, "retry_after: -1s")
}
