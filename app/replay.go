package main

import (
	"io"
	"os"
)

// replayable is the input of `app import`, readable again from its start for each attempt of the import
// (a deadlock with another writer rolls the whole import back, and it runs again). A regular file is read
// again from the top; anything else (a pipe on stdin) is copied into a temporary file as the first
// attempt reads it, and a later attempt reads that copy, then whatever the first did not reach. Memory
// stays flat either way.
type replayable struct {
	in    io.Reader
	file  *os.File // in, when it is a regular file
	spool *os.File // the copy of a pipe read so far; nil for a file
}

// newReplayable prepares in for repeated reading.
func newReplayable(in io.Reader) (*replayable, error) {
	r := &replayable{in: in}
	if f, ok := in.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			r.file = f
			return r, nil
		}
	}
	spool, err := os.CreateTemp("", "aqdash-import-*.csv")
	if err != nil {
		return nil, err
	}
	_ = os.Remove(spool.Name()) // unlinked at once: the open handles keep it until Close
	r.spool = spool
	return r, nil
}

// reader returns the input from its start for the given attempt (1, 2, ...).
func (r *replayable) reader(attempt int) (io.Reader, error) {
	if r.file != nil {
		if _, err := r.file.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return r.file, nil
	}
	// Writes go to the copy's end; the section below reads with ReadAt, which leaves the offset alone.
	size, err := r.spool.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	rest := io.TeeReader(r.in, r.spool)
	if attempt == 1 {
		return rest, nil
	}
	// What the earlier attempts read, from the copy, then the rest of the pipe (copied as it goes).
	return io.MultiReader(io.NewSectionReader(r.spool, 0, size), rest), nil
}

// Close drops the copy, if any.
func (r *replayable) Close() error {
	if r.spool != nil {
		return r.spool.Close()
	}
	return nil
}
