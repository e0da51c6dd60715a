package dnsx

import (
	"strconv"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// DNSSEC is what a message says about DNSSEC, beside the records: the AD
// and CD header bits, the DO bit of its OPT record and its Extended DNS
// Errors. DO and ExtendedErrors travel in the OPT record, so they need
// UDPSize set.
type DNSSEC struct {
	// AuthenticatedData (AD): in a response, the resolver validated
	// every record as secure; in a query, the client understands AD
	// (RFC 6840 section 5.7).
	AuthenticatedData bool
	// CheckingDisabled (CD): the client validates itself; the resolver
	// must not withhold bogus data.
	CheckingDisabled bool
	// DO (DNSSEC OK): the sender wants RRSIG, NSEC and NSEC3 records.
	DO bool
	// ExtendedErrors say why a response failed (RFC 8914).
	ExtendedErrors []ExtendedError
}

// ExtendedError is an Extended DNS Error (RFC 8914): an info code of the
// IANA registry and free text.
type ExtendedError struct {
	InfoCode  uint16
	ExtraText string
}

// Extended DNS Error info codes of RFC 8914 that the validator uses.
const (
	EDEOther                      uint16 = 0
	EDEUnsupportedDNSKEYAlgorithm uint16 = 1
	EDEDNSSECIndeterminate        uint16 = 5
	EDEDNSSECBogus                uint16 = 6
	EDESignatureExpired           uint16 = 7
	EDESignatureNotYetValid       uint16 = 8
	EDEDNSKEYMissing              uint16 = 9
	EDERRSIGsMissing              uint16 = 10
	EDENSECMissing                uint16 = 12
	EDEUnsupportedNSEC3Iterations uint16 = 27
)

// String returns "EDE 6: text".
func (e ExtendedError) String() string {
	return "EDE " + strconv.Itoa(int(e.InfoCode)) + ": " + e.ExtraText
}

func (d DNSSEC) toHeader(h *wire.Header) {
	h.AuthenticatedData, h.CheckingDisabled, h.DNSSECOK = d.AuthenticatedData, d.CheckingDisabled, d.DO
	for _, e := range d.ExtendedErrors {
		h.EDE = append(h.EDE, wire.EDE{Code: e.InfoCode, Text: e.ExtraText})
	}
}

func (d *DNSSEC) fromHeader(h wire.Header) {
	d.AuthenticatedData, d.CheckingDisabled, d.DO = h.AuthenticatedData, h.CheckingDisabled, h.DNSSECOK
	for _, e := range h.EDE {
		d.ExtendedErrors = append(d.ExtendedErrors, ExtendedError{e.Code, e.Text})
	}
}
