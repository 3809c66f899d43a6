//go:build chaos

// Package chaos is the chaos suite of sluice's exactly-once guarantee: it runs
// several real `sluice run` processes in one consumer group against a Kafka
// broker (kfake, in its own process, with a data directory) behind a TCP
// proxy that the broker advertises, and MinIO behind a fault-injecting
// proxy; it produces a steady stream, and meanwhile kills, signals, pauses
// and crash-injects the processes, makes S3 fail and throttle (503 SlowDown
// with Retry-After), cuts one process off the broker (its connections
// black-holed past the session timeout, making it a zombie that still
// reaches S3, or reset), fills one process's buffer disk (ENOSPC) for a
// while and restarts the broker, every choice drawn from one seeded random
// source. At the end it
// checks that `sluice verify` finds nothing and that every offset the broker
// holds is stored in exactly one object.
//
// Each process's buffer.dir is a sub-directory of a small tmpfs (16 MiB,
// testing/tmpfs: root needed; CI fails without it) that no running process
// uses: a process started later reuses the directory of one that exited, as
// a restarted pod does. buffer.memory is 1 MiB and records some 1 KiB, so
// open rounds spill; buffer.max_disk is drawn per process: the default, 2
// MiB (rounds sealed early for the disk) or 64 MiB (more than the tmpfs: a
// fill is met by ENOSPC only). A fill writes a file next to buffer.dir until
// the tmpfs is full, for 2 to 12 seconds.
//
// -chaos.secure runs the broker with TLS only and a SCRAM-SHA-512 user, and
// every client (sluice's config, the producer, the checks, sluice verify)
// with both; the Kafka proxy passes TLS through and tells a process's
// connections by their address (/proc), not the client id.
//
// -chaos.filter gives every process a filter stage dropping the events
// whose id ends in 3 (one in ten). The checks read the topic back to know
// which offsets those are: they must be stored nowhere, every other offset
// exactly once, and sluice verify must account for them as filtered (a
// wholly filtered round, a round starting or ending on a filtered offset).
// -chaos.typed types the topic by a declared schema (typed Parquet columns,
// the raw value kept in _value for the checks) and makes one event in 25
// not fit it: those offsets must be in the dead-letter files exactly once,
// stored nowhere, and sluice verify must account for them.
//
// The run starts with one process. Its scale plan, one cycle per three
// minutes of the run, scales out to three processes one at a time and, half
// a cycle later, back in to one (SIGTERM and SIGKILL by turns), waiting after
// each step until the group settled: every active process assigned
// partitions in one new generation and the broker describing the group as
// stable with one member per process. Between the scale phases the scheduler
// draws an action every 1 to 3 seconds; during them only S3 faults. After
// 40% of the run it prefers kinds of chaos that have not happened yet.
//
// The suite builds behind the chaos build tag:
//
//	go test -tags chaos -v -run TestChaos ./testing/chaos/ -chaos.seed=1 -chaos.duration=3m
//
// -chaos.require-kinds fails a run in which a kind of chaos did not happen or
// that did fewer than 30 actions (CI sets it); -chaos.min-faults fails one
// that injected fewer faults (fault_events: every kind but the scale steps;
// `task test:chaos:long` runs an hour with 1000); -chaos.logdir keeps the
// processes' logs.
//
// A kind is a constant in tally_test.go, listed in requiredKinds, and an
// entry of actions (actions_test.go: weight, when it can happen, what it
// does); the summary and the result line print it.
//
// A seed fixes the scheduler's choices, the proxy's fault dice and the crash
// hook's dice; which process a choice hits still depends on timing (a
// crash-hooked process dies when it dies), so a seed replays a run closely,
// not exactly. The scheduler's log, stamped with times, tells what happened.
//
// It prints what it did, per kind, and a line CI can read:
//
//	CHAOS RESULT: PASS seed=1 duration=3m0s secure=false filter=false typed=false actions=N kills=.. ... kafka_blackholes=.. ... disk_fills=.. ... fault_events=.. faults=.. produced=.. filtered=.. rejected=.. duplicates=0 losses=0 missing_kinds=none
package chaos
