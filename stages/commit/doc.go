// Package commit is the last stage: once every file of a round is in the
// bucket it records the partition's progress there and then commits the
// Kafka offset.
//
// The bucket, not Kafka and not the process, is the source of truth. Each
// Kafka partition has a progress record (Progress) at
// "_sluice/progress/<topic>/<partition>.json", changed only with conditional
// writes through a Ledger:
//
//  1. claim: before uploading round [S..E] the upload stage writes it as
//     pending (If-Match the record it read; the record's next offset must not
//     be past S);
//  2. upload the round's files (deterministic names and bytes);
//  3. commit: write next = E+1 and no pending round (If-Match the claim);
//  4. commit E+1 to Kafka, so lag tools see the truth.
//
// Records that stages removed on purpose are accounted for in their round:
// step 2 also stores the round's filtered offsets (Filtered) at
// "_sluice/filtered/<topic>/<partition>/<round start, 20 digits>.json", a
// pure function of the round, so that once the round is committed "sluice
// verify" can still tell them from lost records. The progress record counts
// them (RoundRef.Filtered).
//
// A process that takes a partition over reads the record first: a pending
// round is completed exactly (the buffer is told to cut [S..E] again, which
// rewrites byte-identical files), then consuming goes on from next. A failed
// conditional write means another process owns or advanced the partition.
package commit
