// Package dbkey is what the gateway stages share besides names (which live
// in pkg/contract): stable order-independent hashes of attributes, a
// fixed-size table of hashed keys, and a read view of any metric point.
// Folding it into contract would make the scraper's import of contract
// pull in gateway internals; keeping names here made two definitions of
// "which database" drift apart, so it holds none.
package dbkey
