package testjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Options limit what Read keeps.
type Options struct {
	// MaxLine is the longest line Read decodes; longer lines are cut to
	// this length and their output marked as cut. 0 means 1 MiB.
	MaxLine int
	// MaxOutput is how many bytes of output Read keeps for each test, and
	// for each package's lines outside any test. 0 means 64 KiB.
	MaxOutput int
	// OnEvent, if set, is called with every event as it is read.
	OnEvent func(Event)
}

// Read decodes events from r until EOF and sums them up. A line that is not
// a JSON event, such as a message the go command printed itself, is kept as
// output of the execution. Read never stops early on large output: what is
// over the limits is dropped and counted.
func Read(r io.Reader, opts Options) (*Execution, error) {
	if opts.MaxLine <= 0 {
		opts.MaxLine = 1 << 20
	}
	if opts.MaxOutput <= 0 {
		opts.MaxOutput = 64 << 10
	}
	exec := newExecution(opts.MaxOutput)
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := readLine(br, opts.MaxLine)
		if len(line) > 0 {
			var ev Event
			if line[0] == '{' && json.Unmarshal(line, &ev) == nil && ev.Action != "" {
				exec.add(ev)
				if opts.OnEvent != nil {
					opts.OnEvent(ev)
				}
			} else {
				exec.addLoose(string(line))
			}
		}
		if err == io.EOF {
			return exec, nil
		}
		if err != nil {
			return exec, fmt.Errorf("reading go test output: %w", err)
		}
	}
}

// readLine returns the next line without its newline. A line longer than
// max is cut to max bytes and the rest of it is read and dropped.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if len(line) < max {
			room := max - len(line)
			if len(chunk) > room {
				chunk = chunk[:room]
			}
			line = append(line, chunk...)
		}
		if err != nil || !isPrefix {
			return bytes.TrimRight(line, "\r"), err
		}
	}
}
