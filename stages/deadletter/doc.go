// Package deadletter is the dead-letter path of records that cannot be
// archived as their topic asks (model.Batch.Rejected: a value that does not
// decode or does not match its schema): where they go (Config: the bucket's
// _rejected/ prefix, or a Kafka topic), the object key of a round's
// dead-letter file in the bucket (Key), the Kafka publisher's contract
// (Publisher), and the threshold that stops sluice when too many records of
// a partition are rejected (Guard, Secor's max bad messages).
//
// A rejected record is never lost: the buffer keeps it in its round
// (model.Round.DeadLetter), the upload stage sends it to the destination
// before the round is committed, and the round's accounting record
// (commit.Rejected) lists its offset, so that "sluice verify" finds every
// offset archived, filtered or dead-lettered.
package deadletter
