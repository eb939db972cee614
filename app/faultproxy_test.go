package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// faultProxy is a TCP proxy on 127.0.0.1 between a server's database connections and the real
// PostgreSQL, which a test breaks on purpose: cut (every connection closed, new ones refused, as when the
// database host goes away), black-hole (connections accepted, nothing ever answered, as when packets are
// dropped) and restored.
type faultProxy struct {
	t                *testing.T
	network, target  string // how to reach PostgreSQL: tcp or unix, and its address
	addr             string // the proxy's own 127.0.0.1:port
	mu               sync.Mutex
	ln               net.Listener // nil while cut
	mode             proxyMode
	conns            map[net.Conn]struct{}
	accepted, dialed int
}

type proxyMode int

const (
	proxyUp proxyMode = iota
	proxyCut
	proxyBlackhole
)

// newFaultProxy starts a proxy to the database of dsn (a key/value DSN, as dbtest gives) and returns it
// with the same DSN pointed at the proxy. It stops when the test ends.
func newFaultProxy(t *testing.T, dsn string) (*faultProxy, string) {
	t.Helper()
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{t: t, network: "tcp", target: net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)), conns: map[net.Conn]struct{}{}}
	if strings.HasPrefix(cfg.Host, "/") {
		p.network, p.target = "unix", fmt.Sprintf("%s/.s.PGSQL.%d", cfg.Host, cfg.Port)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.close)
	host, port, _ := net.SplitHostPort(p.addr)
	// In a key/value DSN a later setting wins.
	return p, dsn + fmt.Sprintf(" host=%s port=%s connect_timeout=3", host, port)
}

func (p *faultProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
}

// handle joins one client connection to PostgreSQL, or holds it unanswered while black-holed.
func (p *faultProxy) handle(client net.Conn) {
	p.mu.Lock()
	mode := p.mode
	p.accepted++
	if mode == proxyCut {
		p.mu.Unlock()
		client.Close()
		return
	}
	p.conns[client] = struct{}{}
	p.mu.Unlock()
	if mode == proxyBlackhole {
		// Read and drop whatever comes, answer nothing, until the test restores or ends.
		_, _ = io.Copy(io.Discard, client)
		p.forget(client)
		return
	}
	server, err := net.Dial(p.network, p.target)
	if err != nil {
		p.forget(client)
		return
	}
	p.mu.Lock()
	p.dialed++
	if p.mode != proxyUp { // broken while dialling
		p.mu.Unlock()
		server.Close()
		p.forget(client)
		return
	}
	p.conns[server] = struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { p.pipe(server, client); done <- struct{}{} }()
	go func() { p.pipe(client, server); done <- struct{}{} }()
	<-done
	p.forget(client)
	p.forget(server)
	<-done
}

// pipe copies from src to dst; while black-holed it drops what it reads.
func (p *faultProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			drop := p.mode == proxyBlackhole
			p.mu.Unlock()
			if !drop {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *faultProxy) forget(c net.Conn) {
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// closeAll closes every connection through the proxy; the caller holds p.mu.
func (p *faultProxy) closeAll() {
	for c := range p.conns {
		c.Close()
	}
}

// cut breaks the database off: every connection is closed and new ones are refused (nothing listens).
func (p *faultProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = proxyCut
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	p.closeAll()
}

// blackhole makes the database silent: connections, old and new, are kept open and never answered.
func (p *faultProxy) blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = proxyBlackhole
}

// restore brings the database back on the same address. Connections that lived through a black hole
// have lost bytes and are closed, as a real network would reset them.
func (p *faultProxy) restore() {
	p.t.Helper()
	p.mu.Lock()
	was := p.mode
	p.mode = proxyUp
	if was == proxyBlackhole {
		p.closeAll()
	}
	relisten := p.ln == nil
	p.mu.Unlock()
	if relisten {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			p.t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
		}
		p.serve(ln)
	}
}

// open is the number of connections through the proxy (each side counts once).
func (p *faultProxy) open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

func (p *faultProxy) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		if err := p.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			p.t.Logf("proxy: %v", err)
		}
		p.ln = nil
	}
	p.mode = proxyCut
	p.closeAll()
}
