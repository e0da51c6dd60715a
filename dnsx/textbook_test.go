package dnsx

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// These tests follow the textbook's account of DNS records (Kurose & Ross,
// section 2.4) with its start-up Network Utopia.

func TestTextbook_TypeA_NameIsAHostnameAndValueItsAddress(t *testing.T) {
	z := loadTestZone(t, "networkutopia.com.")
	res, err := z.Lookup("www.networkutopia.com", TypeA)
	require.NoError(t, err)
	require.Equal(t, KindAnswer, res.Kind)
	require.True(t, res.Authoritative)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, values(res.Answer))
}

func TestTextbook_TypeNS_NameIsADomainAndValueAnAuthoritativeServer(t *testing.T) {
	com := loadTestZone(t, "com.")
	// The TLD server does not know www's address: it refers the resolver
	// to networkutopia.com's server and hands over the glue to reach it.
	res, err := com.Lookup("www.networkutopia.com.", TypeA)
	require.NoError(t, err)
	require.Equal(t, KindReferral, res.Kind)
	require.False(t, res.Authoritative)
	require.Empty(t, res.Answer)
	require.Equal(t, []string{"networkutopia.com. NS dns1.networkutopia.com."}, values(res.Authority))
	require.Equal(t, []string{"dns1.networkutopia.com. A 212.212.212.1"}, values(res.Additional))
}

func TestTextbook_TypeCNAME_NameIsAnAliasAndValueTheCanonicalName(t *testing.T) {
	z := loadTestZone(t, "networkutopia.com.")
	res, err := z.Lookup("ftp.networkutopia.com.", TypeA)
	require.NoError(t, err)
	require.Equal(t, KindAnswer, res.Kind)
	require.Equal(t, []string{
		"ftp.networkutopia.com. CNAME www.networkutopia.com.",
		"www.networkutopia.com. A 212.212.71.4",
	}, values(res.Answer))
}

func TestTextbook_TypeMX_ValueIsTheMailServerOfTheDomain(t *testing.T) {
	z := loadTestZone(t, "networkutopia.com.")
	res, err := z.Lookup("networkutopia.com.", TypeMX)
	require.NoError(t, err)
	require.Equal(t, []string{"networkutopia.com. MX 10 mail.networkutopia.com."}, values(res.Answer))
	// The server adds the mail server's address, saving a second query.
	require.Equal(t, []string{"mail.networkutopia.com. A 212.212.71.5"}, values(res.Additional))
}

func TestTextbook_ResourceRecordIsTheFourTuple(t *testing.T) {
	rr, err := NewRR("networkutopia.com", "dns1.networkutopia.com", TypeNS, 172800)
	require.NoError(t, err)
	require.Equal(t, "networkutopia.com.", rr.Name)
	require.Equal(t, "dns1.networkutopia.com.", rr.Value())
	require.Equal(t, TypeNS, rr.Type())
	require.Equal(t, uint32(172800), rr.TTL)
	require.Equal(t, "networkutopia.com.\t172800\tIN\tNS\tdns1.networkutopia.com.", rr.String())
}
