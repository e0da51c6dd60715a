package dnsattack

import (
	"time"

	"github.com/networkutopia/p2p/dnsx"
)

// This file signs the poisoning experiment's hierarchy for its DNSSEC
// row: the root holds com's DS and com bank.com's, so a forged answer
// for a bank.com name, which carries no valid signature, is bogus
// however it wins the race. evil.com stays unsigned (an insecure
// delegation, proven by com's NSEC).

// signedZones signs root, com and bank.com at now (the simulator's
// clock) and returns them with the root's trust anchor.
func signedZones(root, com, bank *dnsx.Zone, now time.Time) (*dnsx.Zone, *dnsx.Zone, *dnsx.Zone, dnsx.RR, error) {
	keys := make([]*dnsx.Key, 3)
	for i, z := range []*dnsx.Zone{root, com, bank} {
		k, err := dnsx.GenerateKey(z.Origin(), dnsx.AlgorithmED25519, dnsx.FlagZoneKey|dnsx.FlagSEP)
		if err != nil {
			return nil, nil, nil, dnsx.RR{}, err
		}
		keys[i] = k
	}
	sign := func(z *dnsx.Zone, k *dnsx.Key, child *dnsx.Key) (*dnsx.Zone, error) {
		if child != nil {
			var err error
			if z, err = z.With([]dnsx.RR{child.DS(172800)}, nil); err != nil {
				return nil, err
			}
		}
		// No jitter: the experiment replays bit for bit from its seed.
		return dnsx.SignZone(z, dnsx.SignConfig{Keys: []*dnsx.Key{k}, Now: now, Jitter: -1})
	}
	var err error
	if bank, err = sign(bank, keys[2], nil); err != nil {
		return nil, nil, nil, dnsx.RR{}, err
	}
	if com, err = sign(com, keys[1], keys[2]); err != nil {
		return nil, nil, nil, dnsx.RR{}, err
	}
	if root, err = sign(root, keys[0], keys[1]); err != nil {
		return nil, nil, nil, dnsx.RR{}, err
	}
	return root, com, bank, keys[0].DS(86400), nil
}
