package demo_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/sluicehq/sluice/app/demo"
)

func TestProgressString(t *testing.T) {
	tests := []struct {
		name string
		p    demo.Progress
		want string
	}{
		{"zero", demo.Progress{}, "[00:00] produced 0 · in 0 · rounds 0 · files 0 (0 B) · committed 0"},
		{"running", demo.Progress{Elapsed: 42*time.Second + 900*time.Millisecond, Produced: 8400, RecordsIn: 8399,
			Rounds: 8, Files: 9, Bytes: 412 << 10, Committed: 7200},
			"[00:42] produced 8,400 · in 8,399 · rounds 8 · files 9 (412 KiB) · committed 7,200"},
		{"over an hour", demo.Progress{Elapsed: 61*time.Minute + 5*time.Second, Produced: 1234567, RecordsIn: 1234567,
			Rounds: 1000, Files: 1001, Bytes: 3 << 30, Committed: 1234567},
			"[61:05] produced 1,234,567 · in 1,234,567 · rounds 1,000 · files 1,001 (3.0 GiB) · committed 1,234,567"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.p.String())
		})
	}
}

func TestSummaryString(t *testing.T) {
	base := demo.Summary{
		Progress: demo.Progress{Elapsed: 8*time.Second + 300*time.Millisecond, Produced: 1590, Committed: 1590, Files: 4, Bytes: 26 << 10},
		InTopic:  1590, Broker: "127.0.0.1:9092", Dir: "/data/out",
	}
	assert.Equal(t, `sluice demo stopped after 8s.
  records produced   1,590
  records committed  1,590
  files written      4 (26 KiB) in /data/out
Count them with DuckDB:
  duckdb -c "select count(*) from read_parquet('/data/out/**/*.parquet')"
`, base.String())

	withKcat := base
	withKcat.InTopic, withKcat.Committed = 1600, 1595
	s := withKcat.String()
	assert.Contains(t, s, "records produced   1,590 (1,600 in the topic, with yours)\n")
	assert.Contains(t, s, "records committed  1,595\n")
	assert.Contains(t, s, "  5 records were not archived yet;")
}

func TestRender(t *testing.T) {
	got := demo.Render(demo.KcatProduce, "127.0.0.1:19092", "/out")
	assert.Equal(t, `echo '{"id":"mine","ts":'$(date +%s000)',"user":"me","action":"hello"}' | kcat -b 127.0.0.1:19092 -t demo-events -P`, got)
	assert.Equal(t, `duckdb -c "select count(*) from read_parquet('/out/**/*.parquet')"`, demo.Render(demo.DuckDBCount, "", "/out/"))
	for _, c := range []string{demo.KcatProduce, demo.KcatConsume, demo.DuckDBCount} {
		assert.NotRegexp(t, `\{[a-z]+\}`, demo.Render(c, "b:1", "/d"), "every placeholder of %q is filled in", c)
	}
}

func TestBannerQuotesTheHowTo(t *testing.T) {
	b := demo.Banner("127.0.0.1:9092", "/out", 4, 200)
	for _, c := range []string{demo.KcatProduce, demo.KcatConsume, demo.DuckDBCount} {
		assert.Contains(t, b, demo.Render(c, "127.0.0.1:9092", "/out"))
	}
	assert.Contains(t, b, demo.DuckDBNode)
	assert.Contains(t, b, "4 partitions")
	assert.True(t, strings.HasSuffix(b, "then exits.\n"))
}
