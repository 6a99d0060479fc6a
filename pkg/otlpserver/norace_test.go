//go:build !race

package otlpserver

// floodScale: without -race the floods run at full size.
const floodScale = 1
