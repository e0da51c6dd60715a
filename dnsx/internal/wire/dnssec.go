package wire

import "codeberg.org/miekg/dns"

// This file carries the DNSSEC bits of a message header across the
// bridge: AD, CD, the OPT record's DO bit and Extended DNS Errors.

// packDNSSEC sets the DNSSEC bits and options of h on w.
func packDNSSEC(w *dns.Msg, h Header) {
	w.AuthenticatedData, w.CheckingDisabled = h.AuthenticatedData, h.CheckingDisabled
	if h.UDPSize == 0 {
		return
	}
	w.Security = h.DNSSECOK
	for _, e := range h.EDE {
		w.Pseudo = append(w.Pseudo, &dns.EDE{InfoCode: e.Code, ExtraText: e.Text})
	}
}

// unpackDNSSEC reads the DNSSEC bits and options of w into h.
func unpackDNSSEC(w *dns.Msg, h *Header) {
	h.AuthenticatedData, h.CheckingDisabled = w.AuthenticatedData, w.CheckingDisabled
	h.DNSSECOK = w.Security
	for _, p := range w.Pseudo {
		if e, ok := p.(*dns.EDE); ok {
			h.EDE = append(h.EDE, EDE{Code: e.InfoCode, Text: e.ExtraText})
		}
	}
}
