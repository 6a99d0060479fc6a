// Package enrich is the gateway stage that adds, changes, renames and
// deletes attributes from config — typically deployment.environment.name or
// a cluster name on every resource.
//
// Resource actions apply to the resource of metrics, logs and traces alike.
// Record actions apply to every metric data point (all metric types), every
// log record and every span. Actions run in the order configured. The stage
// never removes an item and keeps no state.
package enrich
