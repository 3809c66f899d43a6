package main

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/parse"
)

func TestParseKV(t *testing.T) {
	tests := []struct {
		line    string
		want    map[string]any
		wantErr string
	}{
		{line: `ts=2026-11-22T01:02:03Z level=info user=ada email=ada@example.com msg="signed in"`,
			want: map[string]any{"ts": "2026-11-22T01:02:03Z", "level": "info", "user": "ada", "email": "ada@example.com", "msg": "signed in"}},
		{line: "  a=1\tb=  c=\"x \\\"y\\\" \\\\ z\"\n", want: map[string]any{"a": "1", "b": "", "c": `x "y" \ z`}},
		{line: `a=1 a=2 url=http://h/?q=v`, want: map[string]any{"a": "2", "url": "http://h/?q=v"}},
		{line: ``, want: map[string]any{}},
		{line: `a="" b=x"y`, want: map[string]any{"a": "", "b": `x"y`}},
		{line: `hello a=1`, wantErr: "want key=value at byte 0"},
		{line: `=1`, wantErr: "want key=value at byte 0"},
		{line: `a=1 b`, wantErr: "want key=value at byte 4"},
		{line: `a="open`, wantErr: "unterminated quote at byte 2"},
		{line: `a="x"y b=1`, wantErr: "want a space after the quoted value at byte 5"},
		{line: `a="\q"`, wantErr: "bad quoted value at byte 2"},
	}
	for _, tt := range tests {
		got, err := parseKV(tt.line)
		if tt.wantErr != "" {
			require.ErrorIs(t, err, parse.ErrMalformed, "%q", tt.line)
			assert.ErrorContains(t, err, tt.wantErr, "%q", tt.line)
			continue
		}
		require.NoError(t, err, "%q", tt.line)
		assert.Equal(t, tt.want, got, "%q", tt.line)
	}
}

// TestKVEventTime: the event time comes from the configured field, the
// stored value becomes the JSON of the fields, and a line that cannot be
// read falls back (the parse stage then uses the Kafka timestamp) with its
// text kept.
func TestKVEventTime(t *testing.T) {
	opts := defaultKVOptions()
	tests := []struct {
		name, value, want string
		time              time.Time
		err               error
	}{
		{name: "rfc3339", value: `ts=2026-11-22T01:02:03.5+01:00 level=warn`,
			time: time.Date(2026, 11, 22, 0, 2, 3, 5e8, time.UTC), want: `{"level":"warn","ts":"2026-11-22T01:02:03.5+01:00"}`},
		{name: "missing", value: `level=warn`, err: parse.ErrMissing, want: `{"level":"warn"}`},
		{name: "unparsable", value: `ts=yesterday`, err: parse.ErrUnparsable, want: `{"ts":"yesterday"}`},
		{name: "malformed", value: `oops ts=2026-11-22T01:02:03Z`, err: parse.ErrMalformed,
			want: `{"_raw":"oops ts=2026-11-22T01:02:03Z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &model.Record{Value: []byte(tt.value)}
			got, err := kvEventTime(opts, rec)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
			} else {
				require.NoError(t, err)
				assert.True(t, tt.time.Equal(got), "%v", got)
			}
			require.NoError(t, rec.Sync())
			assert.Equal(t, tt.want, string(rec.Value))
		})
	}

	// A configured layout without a zone reads UTC.
	o := kvOptions{TimeField: "at", Layout: "2006-01-02 15:04"}
	got, err := kvEventTime(o, &model.Record{Value: []byte(`at="2026-11-22 07:08"`)})
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 11, 22, 7, 8, 0, 0, time.UTC), got)

	// A tombstone stays a tombstone.
	tomb := &model.Record{}
	_, err = kvEventTime(opts, tomb)
	require.ErrorIs(t, err, parse.ErrMalformed)
	require.NoError(t, tomb.Sync())
	assert.Nil(t, tomb.Value)
}

func TestKVOptionsValidate(t *testing.T) {
	ok := defaultKVOptions()
	require.NoError(t, ok.Validate())
	bad := kvOptions{TimeField: "my ts", Layout: "15:04"}
	var paths []string
	for _, fe := range conf.List(bad.Validate()) {
		paths = append(paths, fe.Path+": "+fe.Err.Error())
	}
	assert.Equal(t, []string{
		`time_field: want a key without spaces, quotes or '=', got "my ts"`,
		`layout: "15:04" is not a Go time layout with a date (e.g. "2006-01-02T15:04:05Z07:00")`,
	}, paths)
}

// FuzzParseKV: whatever the bytes, the parser neither panics nor loses
// them: a value comes out as a JSON object, the raw line under "_raw" when
// it is not key=value pairs.
func FuzzParseKV(f *testing.F) {
	for _, s := range []string{`ts=2026-11-22T01:02:03Z msg="a \"b\""`, `a="`, `a="\`, `="x"`, "a=\xff", `a=""b`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		rec := &model.Record{Value: value}
		_, err := kvEventTime(defaultKVOptions(), rec)
		if err != nil && !errors.Is(err, parse.ErrMalformed) && !errors.Is(err, parse.ErrMissing) && !errors.Is(err, parse.ErrUnparsable) {
			t.Fatalf("unexpected error %v", err)
		}
		require.NoError(t, rec.Sync())
		rec = &model.Record{Value: rec.Value}
		_, err = rec.Fields()
		require.NoError(t, err, "%q", rec.Value)
	})
}
