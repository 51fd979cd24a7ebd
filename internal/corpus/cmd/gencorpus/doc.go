// Command gencorpus writes a generated herald content repository, for
// manual runs of herald and Hugo on large inputs.
//
//	go run ./internal/corpus/cmd/gencorpus -n 10000 -dir /tmp/c10k -hugo
package main
