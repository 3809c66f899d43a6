// Package verify checks an archive the way Secor's LogFileVerifier did, but
// exactly: it lists every data object of a destination, reads only the
// offsets each object holds (streaming, in bounded memory), and checks per
// Kafka partition that no offset is stored twice, that the stored range has
// no gaps, that object names agree with their contents and that the
// partition's progress record agrees with the objects.
//
// Given a Broker, it asks Kafka about every gap, at the isolation level
// sluice consumes with: offsets Kafka holds no record at (transaction
// markers, compaction) are Kafka's gaps, counted but not reported; offsets
// Kafka holds are lost, a violation; offsets below the log start offset were
// deleted by retention and cannot be told either way, a warning. Without a
// broker, or when it cannot be reached, every gap is an unverified gap, a
// violation. Fetches are bounded by Config.BrokerMaxBytes, and one fetch
// serves every gap it covers.
//
// Records a stage dropped on purpose are accounted for, not missing: the
// upload stage stores each round's filtered offsets at
// commit.FilteredKey ("_sluice/filtered/<topic>/<partition>/<start>.json"),
// and verify reads those records beside the data objects. Filtered offsets
// are counted per partition (Partition.Filtered) and never reported as gaps
// or lost; an offset neither stored nor recorded as filtered still is. An
// offset recorded as filtered that an object also stores, or a record that
// cannot be read or contradicts its round, is a violation.
//
// Offsets are kept per partition as a sorted list of merged runs
// ([start, end] ranges), never one entry per offset, so a partition of
// millions of records costs a few runs per object.
package verify
