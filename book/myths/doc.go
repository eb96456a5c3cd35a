// Package myths proves, one test per claim, the truth behind the Go
// concurrency myths in book/myths.md. Demonstrations of buggy programs (a
// deadlock, a data race, vet findings) run in child processes from
// testdata/, so this package's own tests stay green under -race.
package myths
