// Package testjson decodes the event stream of `go test -json` (test2json),
// line by line with bounded memory, tolerating the non-JSON lines go test
// mixes in (build output on stderr, vet output, truncated streams).
package testjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// MaxLine caps one line of the stream; a longer line is cut to this size.
const MaxLine = 1 << 20

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

// Decoder reads events from a stream, one line at a time.
type Decoder struct {
	br   *bufio.Reader
	line []byte
}

// NewDecoder returns a decoder reading from r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{br: bufio.NewReaderSize(r, 64*1024)}
}

// Next returns the next event, or io.EOF at the end of the stream. A line
// that is not a JSON event comes back as an Action "output" event with the
// line (and its newline) as Output and no Package.
func (d *Decoder) Next() (Event, error) {
	for {
		line, err := d.readLine()
		if len(line) == 0 {
			if err != nil {
				return Event{}, err
			}
			continue
		}
		if ev, ok := parse(line); ok {
			return ev, nil
		}
		return Event{Action: "output", Output: string(line) + "\n"}, nil
	}
}

// readLine returns the next line without its newline, cut at MaxLine. The
// error is io.EOF (or a read error) only once the stream has no more bytes.
func (d *Decoder) readLine() ([]byte, error) {
	d.line = d.line[:0]
	for {
		chunk, isPrefix, err := d.br.ReadLine()
		if room := MaxLine - len(d.line); room > 0 {
			d.line = append(d.line, chunk[:min(len(chunk), room)]...)
		}
		if err != nil {
			if err == io.EOF {
				return d.line, io.EOF
			}
			return d.line, fmt.Errorf("read test events: %w", err)
		}
		if !isPrefix {
			return d.line, nil
		}
	}
}

// parse decodes one JSON event line; ok is false for anything else.
func parse(line []byte) (Event, bool) {
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return Event{}, false
	}
	ev, ok := fastParse(trimmed)
	if !ok {
		// Anything the fast path is unsure of: the standard decoder.
		ev = Event{}
		if err := json.Unmarshal(trimmed, &ev); err != nil {
			return Event{}, false
		}
	}
	if ev.Action == "" {
		return Event{}, false
	}
	return ev, true
}
