package main

import (
	"bytes"
	"net/netip"

	"github.com/gofiber/fiber/v2"
)

// clientIP is the address of the person behind a request, as far as it can be trusted. Behind Fly.io's
// proxy it is Fly-Client-IP; behind Heroku's router, the last X-Forwarded-For hop (the router appends the
// address it accepted the connection from, after whatever the client sent); otherwise, or when that header
// is missing or not an address, the socket's peer. Fiber's ProxyHeader is deliberately left unset: it
// would take a header as sent, which anyone can forge.
func (s *server) clientIP(c *fiber.Ctx) string {
	return s.cfg.TrustedProxy.clientIP(c)
}

// clientIP picks the client address of c for this proxy; see (*server).clientIP.
func (p TrustedProxy) clientIP(c *fiber.Ctx) string {
	h := &c.Request().Header
	var claimed []byte
	switch p {
	case ProxyFly:
		claimed = h.Peek("Fly-Client-IP")
	case ProxyHeroku:
		// A client may send its own X-Forwarded-For, even several: only the router's hop, the very
		// last, is true.
		if all := h.PeekAll(fiber.HeaderXForwardedFor); len(all) > 0 {
			last := all[len(all)-1]
			if i := bytes.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			claimed = last
		}
	}
	if a, err := netip.ParseAddr(string(bytes.TrimSpace(claimed))); len(claimed) > 0 && err == nil {
		return a.Unmap().String()
	}
	return socketIP(c)
}

// socketIP is the address of the TCP peer, without the port.
func socketIP(c *fiber.Ctx) string {
	if a, ok := netip.AddrFromSlice(c.Context().RemoteIP()); ok {
		return a.Unmap().String()
	}
	return c.Context().RemoteIP().String()
}
