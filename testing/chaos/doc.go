//go:build chaos

// Package chaos is the chaos suite of sluice's exactly-once guarantee: it runs
// several real `sluice run` processes in one consumer group against a Kafka
// broker (kfake, in its own process, with a data directory) and MinIO behind a
// fault-injecting proxy, produces a steady stream, and meanwhile kills,
// signals, pauses and crash-injects the processes, makes S3 fail and restarts
// the broker, every choice drawn from one seeded random source. At the end it
// checks that `sluice verify` finds nothing and that every offset the broker
// holds is stored in exactly one object.
//
// The suite builds behind the chaos build tag:
//
//	go test -tags chaos -v -run TestChaos ./testing/chaos/ -chaos.seed=1 -chaos.duration=90s
//
// A seed fixes the scheduler's choices, the proxy's fault dice and the crash
// hook's dice; which process a choice hits still depends on timing (a
// crash-hooked process dies when it dies), so a seed replays a run closely,
// not exactly. The scheduler's log, stamped with times, tells what happened.
//
// It prints what it did and a line CI can read:
//
//	CHAOS RESULT: PASS seed=1 actions=N kills=.. pauses=.. faults=.. duplicates=0 losses=0
package chaos
