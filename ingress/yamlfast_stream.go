package ingress

import (
	"bytes"
	"errors"
	"io"

	yaml "go.yaml.in/yaml/v3"
)

// How parseDocuments combines the fast parser and yaml.v3 into one stream
// of documents equal to yaml.v3's.

// parsed is one document, or the syntax error or parser panic that ends
// the input.
type parsed struct {
	node     *yaml.Node
	err      error
	panicked any
}

// parseInto sends what parseDocuments yields to next, until done closes.
func parseInto(data []byte, slabs *nodeSlabs, next chan<- parsed, done <-chan struct{}) {
	defer close(next)
	send := func(p parsed) bool {
		select {
		case next <- p:
			return true
		case <-done:
			return false
		}
	}
	sent, finished := parseFast(data, slabs, send)
	if finished {
		return
	}
	defer func() {
		// A parser panic belongs to the caller, as it did before parsing
		// moved to its own goroutine.
		if r := recover(); r != nil {
			send(parsed{panicked: r})
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for n := 1; ; n++ {
		node := new(yaml.Node)
		err := dec.Decode(node)
		if errors.Is(err, io.EOF) {
			return
		}
		if n <= sent && err == nil {
			continue // the fast parser sent it
		}
		if !send(parsed{node: node, err: err}) || err != nil {
			return // the parser cannot resynchronise after a syntax error
		}
	}
}

// parseFast sends the documents the fast parser reads. yaml.v3 reads a few
// tokens past a document before it returns it, so a syntax error there
// fails that document: a document is therefore sent only once
// fastHoldBack more have been read, and when the fast parser declines, the
// held ones are left to yaml.v3 with the rest. It returns how many
// documents it sent, and whether it is finished (the input read, or the
// caller gone). A bug in the fast parser that panics leaves the input to
// yaml.v3 too.
func parseFast(data []byte, slabs *nodeSlabs, send func(parsed) bool) (sent int, finished bool) {
	defer func() {
		if recover() != nil {
			finished = false
		}
	}()
	fast := newFastYAML(data)
	fast.slabs = slabs
	var held [fastHoldBack + 1]*yaml.Node
	n := 0
	for {
		doc, ok := fast.next()
		if !ok {
			return sent, false
		}
		if doc == nil {
			break
		}
		held[n] = doc
		n++
		if n == len(held) {
			if !send(parsed{node: held[0]}) {
				return sent, true
			}
			sent++
			n = copy(held[:], held[1:])
			held[n] = nil
		}
	}
	for _, doc := range held[:n] {
		if !send(parsed{node: doc}) {
			break
		}
	}
	return sent, true
}

// fastHoldBack is how many documents the fast parser reads past one before
// sending it: yaml.v3 scans three tokens past a document's end before it
// returns the document, and every document after the first begins with at
// least one token, its "---".
const fastHoldBack = 3
