package recordexpr

import (
	"testing"

	"github.com/sluicehq/sluice/model"
)

// event is a value like the bench harness's ~300 B events, with a nested
// user.
const event = `{"id":"9f2c1e7a4b3d5e6f","ts":1795310400123,"level":"info","event":"add_to_cart","user":{"id":482113,"name":"carol","age":42,"country":"DE"},"price":123.45,"pad":"mozilla chrome desktop checkout cart product search home account login promo summer sale returning referral email"}`

// The cost of evaluating over a decoded record (decoding is the record's
// own cost, paid once for every stage: BenchmarkDecode).
func BenchmarkPredicate(b *testing.B) { benchEval(b, `level != "debug" && user.age > 30`, true) }

func BenchmarkPredicateMeta(b *testing.B) {
	benchEval(b, `level != "debug" && kafka.headers["source"] == "web"`, true)
}

func BenchmarkSet(b *testing.B) { benchEval(b, `price * 1.19`, false) }

func benchEval(b *testing.B, src string, wantBool bool) {
	p, err := Compile(src, wantBool)
	if err != nil {
		b.Fatal(err)
	}
	r := &model.Record{Value: []byte(event), Headers: []model.Header{{Key: "source", Value: []byte("web")}}}
	if _, err := r.Fields(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if wantBool {
			if ok, err := p.EvalBool(r); err != nil || !ok {
				b.Fatal(ok, err)
			}
		} else if _, err := p.EvalJSON(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		r := &model.Record{Value: []byte(event)}
		if _, err := r.Fields(); err != nil {
			b.Fatal(err)
		}
	}
}
