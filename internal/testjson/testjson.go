// Package testjson decodes the event stream of `go test -json` (test2json),
// line by line with bounded memory, tolerating the non-JSON lines go test
// mixes in (build output on stderr, vet output, truncated streams).
package testjson

import (
	"io"
	"time"
)

// Event is one test2json event. Build problems arrive as events with
// ImportPath set and Action "build-output" / "build-fail".
type Event struct {
	Time        time.Time `json:",omitempty"`
	Action      string
	Package     string  `json:",omitempty"`
	ImportPath  string  `json:",omitempty"`
	Test        string  `json:",omitempty"`
	Elapsed     float64 `json:",omitempty"`
	Output      string  `json:",omitempty"`
	FailedBuild string  `json:",omitempty"`
}

// Decoder reads events from a stream.
type Decoder struct {
	r io.Reader
}

// NewDecoder returns a decoder reading from r.
func NewDecoder(r io.Reader) *Decoder { return &Decoder{r: r} }

// Next returns the next event, or io.EOF at the end of the stream. A line
// that is not a JSON event comes back as an Action "output" event with the
// line (and its newline) as Output and no Package.
func (d *Decoder) Next() (Event, error) {
	return Event{}, io.EOF // TODO(engine-parse): implement
}
