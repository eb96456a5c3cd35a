// Package testjson decodes the event stream of `go test -json` (test2json),
// one line at a time with encoding/json and bounded memory, tolerating the
// non-JSON lines go test mixes in (build output on stderr, vet output,
// truncated streams). Parse takes a line already split (as internal/proc
// hands them over); Decoder splits an io.Reader into lines for it.
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
		return Parse(line), nil
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

// Parse decodes one line of the stream (without its newline). A line that
// is not a JSON event comes back as an Action "output" event with the line
// and a newline as Output and no Package.
func Parse(line []byte) Event {
	trimmed := bytes.TrimSpace(line)
	var ev Event
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &ev) == nil && ev.Action != "" {
		return ev
	}
	return Event{Action: "output", Output: string(line) + "\n"}
}
