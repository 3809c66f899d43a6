package format_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

// linesOptions are the options of the "lines" format.
type linesOptions struct {
	// Separator is written between a record's offset and its value.
	Separator string `yaml:"separator"`
}

// Validate checks the options.
func (o *linesOptions) Validate() error {
	if o.Separator == "" {
		return &conf.FieldError{Path: "separator", Err: errors.New("required")}
	}
	return nil
}

// lines writes "<offset><separator><value>" lines: a simple, deterministic
// format (the bytes depend on the records alone).
type lines struct{ sep string }

func (l lines) Extension() string { return ".lines" }

func (l lines) Encode(ctx context.Context, in format.Batches, w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	var rows int64
	for b := in.Next(); b != nil; b = in.Next() {
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		offsets := b.Column(2).(*array.Int64) // see format.Schema
		values := b.Column(6).(*array.Binary)
		for i := range int(b.NumRows()) {
			fmt.Fprintf(bw, "%d%s%s\n", offsets.Value(i), l.sep, values.Value(i))
			rows++
		}
	}
	if err := in.Err(); err != nil {
		return rows, err
	}
	return rows, bw.Flush()
}

// ExampleRegister adds an output format with options of its own, chosen
// in a topic's configuration by "format: {type: lines, options: {...}}".
func ExampleRegister() {
	format.MustRegister(format.NewFactory("lines",
		func() linesOptions { return linesOptions{Separator: " "} },
		func(o linesOptions, _ format.Settings) (format.Format, error) { return lines{sep: o.Separator}, nil }))

	// A round's records, spilled as the buffer stage does.
	dir, _ := os.MkdirTemp("", "sluice-format-example")
	defer os.RemoveAll(dir)
	spill := filepath.Join(dir, "round.arrow")
	sw, err := format.NewSpillWriter(spill, memory.DefaultAllocator)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range 3 {
		sw.Append(&model.Record{Topic: "events", Offset: int64(100 + i), Value: []byte("v" + strconv.Itoa(i))})
	}
	if err := sw.Close(); err != nil {
		fmt.Println(err)
		return
	}

	cfg := format.DefaultConfig()
	_ = yaml.Unmarshal([]byte(`{type: lines, options: {separator: " | "}}`), &cfg)
	fmt.Println(cfg.Validate(), format.Extension(cfg))
	var out bytes.Buffer
	res, err := format.Encode(context.Background(), spill, &out, cfg, memory.DefaultAllocator)
	fmt.Print(out.String())
	fmt.Println(res.Rows, err)

	cfg = format.DefaultConfig()
	_ = yaml.Unmarshal([]byte(`{type: lines, compression: gzip, options: {separator: ""}}`), &cfg)
	for _, fe := range conf.List(cfg.Validate()) {
		fmt.Println(fe.Path+":", fe.Err)
	}
	// Output:
	// <nil> .lines
	// 100 | v0
	// 101 | v1
	// 102 | v2
	// 3 <nil>
	// compression: applies to the built-in formats; the lines format takes its settings under options
	// options.separator: required
}
