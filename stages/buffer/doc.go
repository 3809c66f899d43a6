// Package buffer is the third stage: it batches records column-wise in Apache
// Arrow, one open file per (Kafka partition, output partition), and seals
// rounds.
//
// A round is a contiguous offset range of one Kafka partition. It is sealed
// when it reaches the topic's Policy (bytes, records, event-time span), when
// no record arrived for it for Policy.Idle, when too many files are open,
// when the disk bound nears, or at shutdown. A sealed round is published downstream (to upload, then
// commit) as a Watermill message.
//
// Memory stays bounded however large a file grows and however many are open:
// each open file's rows go to a spill file in Config.Dir (Arrow IPC) once the
// file holds its share of Config.Memory. Where spills are cut does not change
// the output files (the encoders re-chunk deterministically).
//
// A round that fits in memory is not spilled: at seal, a file that never
// reached its share keeps its records in memory (model.RoundFile.Held), as
// long as the records held by sealed rounds and those of open files together
// stay within Config.Memory; otherwise it is spilled at seal as before. Held
// records count against the bound (shrinking the open files' shares) until
// their round is committed or dropped (model.Round.Free) or the stage is
// closed. Held or spilled, a file encodes to the same bytes.
//
// Disk stays bounded too (Config.MaxDisk): once half of the bound is used,
// rounds that have spilled are sealed (trigger "disk") so they are uploaded
// and removed; a spill that would pass the bound waits for that; a spill
// write that fails (a full disk) is retried with backoff rather than dropping
// the round and reading the partition again, which restarts the consumer
// group's session.
//
// The buffer owns Config.Dir by a marker file it creates in a new or empty
// directory; it refuses any other non-empty directory (ErrDirNotOwned) and
// only ever removes its own round spill directories ("*.spill").
//
// A partition placed on a pending round on assignment (see package commit) is
// cut exactly at that round's end, so the round is written again byte for
// byte.
package buffer
