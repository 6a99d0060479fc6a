//go:build race

package otlpserver

// floodScale shrinks the flood tests under -race, where inflating 2 GB of
// bombs on two cores takes a minute: sizes, limits and budget all shrink by
// the same factor, so the counts the tests assert are unchanged.
const floodScale = 8
