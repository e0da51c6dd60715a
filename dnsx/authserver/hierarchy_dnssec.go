package authserver

import (
	"cmp"
	"fmt"
	"os"

	"github.com/networkutopia/p2p/dnsx"
)

// This file signs the hierarchy: each zone gets a combined signing key,
// the root holds com's DS, and com's registrar inserts the domain's DS
// when it registers it, so a resolver that trusts the root's key can
// validate www.networkutopia.com.

// sign signs the domain and the root (with com's DS) and generates com's
// key; com itself is signed by its registrar once the servers run.
func (h *Hierarchy) sign(cfg HierarchyConfig, root, com, domain *dnsx.Zone) (*dnsx.Zone, *dnsx.Zone, *dnsx.Zone, error) {
	alg := cmp.Or(cfg.Algorithm, dnsx.AlgorithmECDSAP256SHA256)
	for i, z := range []*dnsx.Zone{root, com, domain} {
		k, err := dnsx.GenerateKey(z.Origin(), alg, dnsx.FlagZoneKey|dnsx.FlagSEP)
		if err != nil {
			return nil, nil, nil, err
		}
		h.Keys[i] = k
	}
	var err error
	if domain, err = dnsx.SignZone(domain, h.signConfig(cfg, 2)); err != nil {
		return nil, nil, nil, err
	}
	if com, err = dnsx.SignZone(com, h.signConfig(cfg, 1)); err != nil {
		return nil, nil, nil, err
	}
	comDS := h.Keys[1].DS(DelegationTTL)
	if root, err = root.With([]dnsx.RR{comDS}, nil); err != nil {
		return nil, nil, nil, err
	}
	if root, err = dnsx.SignZone(root, h.signConfig(cfg, 0)); err != nil {
		return nil, nil, nil, err
	}
	h.TrustAnchor = h.Keys[0].DS(86400)
	return root, com, domain, nil
}

// signConfig is how zone i (root, com, domain) is signed.
func (h *Hierarchy) signConfig(cfg HierarchyConfig, i int) dnsx.SignConfig {
	return dnsx.SignConfig{Keys: []*dnsx.Key{h.Keys[i]}, NSEC3: cfg.NSEC3}
}

// register registers the domain in com: signed, with its DS, when the
// hierarchy is.
func (h *Hierarchy) register(cfg HierarchyConfig, domain *dnsx.Zone, ns NameServer) error {
	if !cfg.DNSSEC {
		return h.Registrar.Register(domain.Origin(), ns)
	}
	h.Registrar.mu.Lock()
	h.Registrar.signer = new(h.signConfig(cfg, 1))
	h.Registrar.mu.Unlock()
	return h.Registrar.RegisterSigned(domain, ns)
}

// WriteTrustAnchor writes the root's trust anchor (its DS record) to
// path as one master-file line, the form of Unbound's trust-anchor-file
// and of delv's and this package's resolver's anchors.
func (h *Hierarchy) WriteTrustAnchor(path string) error {
	if h.TrustAnchor.Data == nil {
		return fmt.Errorf("%w: the hierarchy is not signed", dnsx.ErrBadConfig)
	}
	return os.WriteFile(path, []byte(h.TrustAnchor.String()+"\n"), 0o644)
}
