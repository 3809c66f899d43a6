package partition

import (
	"fmt"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // zones without the machine's zoneinfo, as the binary has them

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

func rec(topic string, partition int32, t time.Time) *model.Record {
	return &model.Record{Topic: topic, Partition: partition, EventTime: t}
}

func TestDir(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		return tm
	}
	tests := []struct {
		name string
		cfg  Config
		time string
		want string
	}{
		{"default is hourly UTC", Config{}, "2026-11-22T01:59:59.999Z", "events/dt=2026-11-22/hr=01"},
		{"hour", Config{Granularity: "hour"}, "2026-11-22T02:00:00Z", "events/dt=2026-11-22/hr=02"},
		{"day", Config{Granularity: "day"}, "2026-11-22T23:59:59Z", "events/dt=2026-11-22"},
		{"minute", Config{Granularity: "minute"}, "2026-11-22T01:07:59Z", "events/dt=2026-11-22/hr=01/min=07"},
		{"input zone ignored", Config{}, "2026-11-22T03:30:00+02:00", "events/dt=2026-11-22/hr=01"},
		{"New York", Config{Timezone: "America/New_York"}, "2026-11-22T01:00:00Z", "events/dt=2026-11-21/hr=20"},
		{"Kolkata hour", Config{Timezone: "Asia/Kolkata"}, "2026-11-22T01:29:59Z", "events/dt=2026-11-22/hr=06"},
		{"Kolkata next hour", Config{Timezone: "Asia/Kolkata"}, "2026-11-22T01:30:00Z", "events/dt=2026-11-22/hr=07"},
		{"Kolkata day", Config{Granularity: "day", Timezone: "Asia/Kolkata"}, "2026-11-21T18:30:00Z", "events/dt=2026-11-22"},
		{"Kathmandu +05:45", Config{Timezone: "Asia/Kathmandu"}, "2026-11-22T01:14:59Z", "events/dt=2026-11-22/hr=06"},
		{"Kathmandu +05:45 next", Config{Timezone: "Asia/Kathmandu"}, "2026-11-22T01:15:00Z", "events/dt=2026-11-22/hr=07"},
		{"Berlin winter", Config{Timezone: "Europe/Berlin"}, "2026-01-10T12:00:00Z", "events/dt=2026-01-10/hr=13"},
		{"Berlin summer", Config{Timezone: "Europe/Berlin"}, "2026-07-10T12:00:00Z", "events/dt=2026-07-10/hr=14"},
		{"custom", Config{Template: "raw/{topic}/p={partition}/{yyyy}/{MM}/{dd}/{HH}/{mm}"}, "2026-02-03T04:05:06Z", "raw/events/p=7/2026/02/03/04/05"},
		{"custom no topic", Config{Template: "y={yyyy}"}, "2026-02-03T04:05:06Z", "y=2026"},
		{"custom constant", Config{Template: "{topic}/all"}, "2026-02-03T04:05:06Z", "events/all"},
		{"year 1", Config{}, "0001-01-01T00:00:00Z", "events/dt=0001-01-01/hr=00"},
		{"year 999", Config{}, "0999-12-31T23:00:00Z", "events/dt=0999-12-31/hr=23"},
		{"year 10000", Config{}, "", "events/dt=10000-01-01/hr=00"},
		{"year -44", Config{}, "", "events/dt=-0044-03-15/hr=12"},
		{"zero time", Config{}, "", "events/dt=0001-01-01/hr=00"},
	}
	special := map[string]time.Time{
		"year 10000": time.Date(10000, 1, 1, 0, 30, 0, 0, time.UTC),
		"year -44":   time.Date(-44, 3, 15, 12, 0, 0, 0, time.UTC),
		"zero time":  {},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.cfg, Settings{})
			require.NoError(t, err)
			tm, ok := special[tt.name]
			if !ok {
				tm = at(tt.time)
			}
			r := rec("events", 7, tm)
			assert.Equal(t, tt.want, s.Dir(r))
			assert.Equal(t, tt.want, s.Dir(r), "from the cache")
			fresh, err := New(tt.cfg, Settings{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(appendDir(nil, fresh.segs, "events", 7, tm.In(fresh.loc), nil)), "uncached")
		})
	}
}

// TestDirWalk walks minute by minute, forwards and backwards, across
// daylight-saving changes and through zones with 30- and 45-minute offsets,
// through one stage per case (so through its cache), and checks every
// directory against the local wall clock.
func TestDirWalk(t *testing.T) {
	walks := []struct{ zone, around string }{
		{"Europe/Berlin", "2026-03-29T01:00:00Z"},       // spring forward
		{"Europe/Berlin", "2026-10-25T01:00:00Z"},       // fall back
		{"Asia/Kolkata", "2026-11-21T18:30:00Z"},        // +05:30, local midnight
		{"Asia/Kathmandu", "2026-11-21T18:15:00Z"},      // +05:45, local midnight
		{"America/St_Johns", "2026-11-01T04:30:00Z"},    // -02:30 to -03:30
		{"Australia/Lord_Howe", "2026-04-04T15:00:00Z"}, // 30-minute DST change
		{"UTC", "2026-12-31T23:00:00Z"},                 // new year
	}
	for _, w := range walks {
		loc, err := time.LoadLocation(w.zone)
		require.NoError(t, err)
		c, err := time.Parse(time.RFC3339, w.around)
		require.NoError(t, err)
		for _, gran := range []string{GranularityMinute, GranularityHour, GranularityDay} {
			for _, step := range []time.Duration{97 * time.Second, -97 * time.Second} {
				s, err := New(Config{Granularity: gran, Timezone: w.zone}, Settings{})
				require.NoError(t, err)
				from := c.Add(-26 * time.Hour)
				if step < 0 {
					from = c.Add(26 * time.Hour)
				}
				for i, tm := 0, from; i < 52*3600/97; i, tm = i+1, tm.Add(step) {
					local := tm.In(loc)
					want := "events/dt=" + local.Format("2006-01-02")
					if gran != GranularityDay {
						want += fmt.Sprintf("/hr=%02d", local.Hour())
					}
					if gran == GranularityMinute {
						want += fmt.Sprintf("/min=%02d", local.Minute())
					}
					require.Equal(t, want, s.Dir(rec("events", 0, tm)), "%s %s at %v (%v)", w.zone, gran, tm, local)
				}
			}
		}
	}
}

func TestDirBerlinDST(t *testing.T) {
	// The hour that repeats in autumn maps to one directory; the one skipped in
	// spring to none.
	s, err := New(Config{Timezone: "Europe/Berlin"}, Settings{})
	require.NoError(t, err)
	first := s.Dir(rec("events", 0, time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)))
	second := s.Dir(rec("events", 0, time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)))
	assert.Equal(t, "events/dt=2026-10-25/hr=02", first)
	assert.Equal(t, first, second)
	assert.Equal(t, "events/dt=2026-03-29/hr=03", s.Dir(rec("events", 0, time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC))))
	assert.Equal(t, "events/dt=2026-03-29/hr=01", s.Dir(rec("events", 0, time.Date(2026, 3, 29, 0, 59, 59, 0, time.UTC))))
}

// TestDirCacheKeys checks that the cache tells topics, partitions and
// buckets apart, including records that go back in time.
func TestDirCacheKeys(t *testing.T) {
	s, err := New(Config{Template: "{topic}/{partition}/{HH}"}, Settings{})
	require.NoError(t, err)
	base := time.Date(2026, 11, 22, 5, 0, 0, 0, time.UTC)
	for i := range 3000 {
		topic := fmt.Sprintf("t%d", i%7)
		partition := int32(i % 300)
		tm := base.Add(time.Duration(i%5-2) * 40 * time.Minute)
		want := fmt.Sprintf("%s/%d/%02d", topic, partition, tm.Hour())
		require.Equal(t, want, s.Dir(rec(topic, partition, tm)), "record %d", i)
	}
}

func TestDirConcurrent(t *testing.T) {
	s, err := New(Config{Granularity: GranularityMinute, Timezone: "Asia/Kolkata"}, Settings{})
	require.NoError(t, err)
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	require.NoError(t, err)
	base := time.Date(2026, 11, 22, 5, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				tm := base.Add(time.Duration(i*(w+1)) * 7 * time.Second)
				topic := []string{"a", "b"}[i%2]
				want := topic + tm.In(kolkata).Format("/dt=2006-01-02/hr=15/min=04")
				if got := s.Dir(rec(topic, int32(w%3), tm)); got != want {
					assert.Equal(t, want, got)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		msg  string
	}{
		{"granularity", Config{Granularity: "week"}, `granularity "week"`},
		{"unknown placeholders", Config{Template: "{topic}/{YYYY}/{date}/{YYYY}"}, "unknown placeholder {YYYY}, {date}"},
		{"unclosed", Config{Template: "{topic}/{yyyy"}, "unbalanced '{'"},
		{"nested", Config{Template: "{topic}/{{yyyy}}"}, "unbalanced '{'"},
		{"stray close", Config{Template: "{topic}/yyyy}"}, "unbalanced '}'"},
		{"absolute", Config{Template: "/{topic}/{yyyy}"}, "absolute path"},
		{"trailing slash", Config{Template: "{topic}/{yyyy}/"}, "trailing slash"},
		{"dot dot", Config{Template: "{topic}/../{yyyy}"}, `path segment ".."`},
		{"leading dot dot", Config{Template: "../{yyyy}"}, `path segment ".."`},
		{"dot", Config{Template: "./{yyyy}"}, `path segment "."`},
		{"empty segment", Config{Template: "{topic}//{yyyy}"}, "empty path segment"},
		{"backslash", Config{Template: `{topic}\{yyyy}`}, "backslash"},
		{"zone", Config{Timezone: "Mars/Olympus"}, "Mars/Olympus"},
		{"local zone", Config{Timezone: "Local"}, "Local"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, Settings{})
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.ErrorContains(t, err, tt.msg)
		})
	}
}
