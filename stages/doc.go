// Package stages is where sluice's stages live, one package each:
//
//	parse → partition → buffer → upload → commit
//
// The types the stages pass between them (records and rounds) are in package
// model, which every layer may import.
package stages
