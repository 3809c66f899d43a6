package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// runTimeout bounds one measured program.
const runTimeout = 20 * time.Minute

// runKcat reads the topic to the end with kcat (librdkafka): the raw limit.
// Its output goes through a pipe the harness counts newlines on, to check
// that it read every record (the values hold no newlines).
func runKcat(data loaded, brokerAddr string) (Result, error) {
	pr, pw := io.Pipe()
	var (
		lines int64
		wg    sync.WaitGroup
	)
	wg.Go(func() {
		br := bufio.NewReaderSize(pr, 1<<20)
		buf := make([]byte, 1<<20)
		for {
			n, err := br.Read(buf)
			lines += int64(strings.Count(string(buf[:n]), "\n"))
			if err != nil {
				return
			}
		}
	})
	c, err := startChild("kcat", "kcat", []string{"-C", "-b", brokerAddr, "-t", data.Topic, "-o", "beginning", "-e", "-q"}, nil, pw)
	if err != nil {
		return Result{}, err
	}
	werr := c.wait(runTimeout)
	wall := time.Since(c.start)
	_ = pw.Close()
	wg.Wait()
	if werr != nil {
		return Result{}, werr
	}
	if lines != data.Records {
		return Result{}, fmt.Errorf("kcat read %d records, want %d", lines, data.Records)
	}
	return newResult("kcat -C to the end (raw limit)", "kcat", data, c.usage(wall)), nil
}

// runCeiling runs benchconsumer: a bare watermill-kafka Router with a no-op
// handler, until it has handled every record.
func runCeiling(bin string, data loaded, brokerAddr, group string) (Result, error) {
	out := &firstWrite{}
	c, err := startChild("benchconsumer", bin, []string{
		"-brokers", brokerAddr, "-topic", data.Topic, "-group", group, "-n", strconv.FormatInt(data.Records, 10),
	}, nil, out)
	if err != nil {
		return Result{}, err
	}
	if err := c.wait(runTimeout); err != nil {
		return Result{}, err
	}
	text, at := out.get()
	wall := at.Sub(c.start)
	got, _ := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if got != data.Records {
		return Result{}, fmt.Errorf("benchconsumer handled %d records, want %d", got, data.Records)
	}
	return newResult("watermill-kafka Router, no-op handler (framework ceiling)", "ceiling", data, c.usage(wall)), nil
}

// firstWrite keeps what is written to it and the time of the first write.
type firstWrite struct {
	mu  sync.Mutex
	buf strings.Builder
	at  time.Time
}

func (f *firstWrite) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.at.IsZero() {
		f.at = time.Now()
	}
	return f.buf.Write(p)
}

func (f *firstWrite) get() (string, time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buf.String(), f.at
}

// ctxDone is a helper for polling loops.
func ctxDone(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	default:
		return false
	}
}
