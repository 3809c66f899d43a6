// Package verify checks an archive the way Secor's LogFileVerifier did, but
// exactly: it lists every data object of a destination, reads only the
// offsets each object holds (streaming, in bounded memory), and checks per
// Kafka partition that no offset is stored twice, that the stored range has
// no gaps, that object names agree with their contents and that the
// partition's progress record agrees with the objects.
//
// Offsets are kept per partition as a sorted list of merged runs
// ([start, end] ranges), never one entry per offset, so a partition of
// millions of records costs a few runs per object.
package verify
