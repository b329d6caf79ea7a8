/* FLOW specs: parse doc/ctl.md's FLOW words, build the frame. */
#include "lag/flow_spec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"

#define ETH_HLEN_ 14
#define VLAN_HLEN_ 4
#define IPV4_HLEN 20
#define IPV6_HLEN 40

/* What the words said, before the frame is built. */
struct flow_spec {
	uint8_t smac[6], dmac[6];
	bool has_vlan;
	uint16_t vlan;
	uint8_t proto;	/* IP protocol number */
	bool icmp;	/* `proto icmp`: the family picks 1 or 58 */
	int family;	/* AF_INET or AF_INET6, from src */
	int dst_family; /* must equal family */
	uint8_t src[16], dst[16];
	bool has_sport, has_dport;
	uint16_t sport, dport;
	unsigned seen; /* enum flow_word bits given so far */
};

enum flow_word {
	FLOW_W_SMAC = 1u << 0,
	FLOW_W_DMAC = 1u << 1,
	FLOW_W_VLAN = 1u << 2,
	FLOW_W_PROTO = 1u << 3,
	FLOW_W_SRC = 1u << 4,
	FLOW_W_DST = 1u << 5,
	FLOW_W_SPORT = 1u << 6,
	FLOW_W_DPORT = 1u << 7,
};

static const struct {
	const char *name;
	enum flow_word bit;
} flow_words[] = {
    {"smac", FLOW_W_SMAC},   {"dmac", FLOW_W_DMAC},   {"vlan", FLOW_W_VLAN},
    {"proto", FLOW_W_PROTO}, {"src", FLOW_W_SRC},     {"dst", FLOW_W_DST},
    {"sport", FLOW_W_SPORT}, {"dport", FLOW_W_DPORT},
};

#define FLOW_USAGE                                                             \
	"[smac MAC] [dmac MAC] [vlan ID] [proto tcp|udp|icmp|N] src IP dst "   \
	"IP [sport N] [dport N], or hex HEXBYTES"

__attribute__((format(printf, 3, 4))) static int
flow_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* proto_ports_offset() of lag/xmit_hash.h: where sport/dport go, or -1. */
static int flow_port_offset(uint8_t proto)
{
	switch (proto) {
	case 6:	  /* TCP */
	case 17:  /* UDP */
	case 33:  /* DCCP */
	case 50:  /* ESP */
	case 132: /* SCTP */
	case 136: /* UDP-Lite */
		return 0;
	case 51: /* AH */
		return 4;
	default:
		return -1;
	}
}

static int flow_parse_ip(const char *word, const char *s, int *family,
			 uint8_t addr[16], char *err, size_t errlen)
{
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return flow_err(err, errlen,
			"%s: expected an IPv4 or IPv6 address, got '%s'", word,
			s);
}

static int flow_parse_port(const char *word, const char *s, uint16_t *port,
			   char *err, size_t errlen)
{
	uint32_t v;

	if (parse_u32(s, 0, 65535, &v))
		return flow_err(err, errlen,
				"%s: expected a port 0..65535, got '%s'", word,
				s);
	*port = (uint16_t)v;
	return 0;
}

static int flow_parse_proto(const char *s, struct flow_spec *fs, char *err,
			    size_t errlen)
{
	uint32_t v;

	fs->icmp = false;
	if (!strcmp(s, "tcp")) {
		fs->proto = 6;
	} else if (!strcmp(s, "udp")) {
		fs->proto = 17;
	} else if (!strcmp(s, "icmp")) {
		fs->icmp = true;
	} else if (!parse_u32(s, 0, 255, &v)) {
		fs->proto = (uint8_t)v;
	} else {
		return flow_err(err, errlen,
				"proto: expected tcp, udp, icmp or a number "
				"0..255, got '%s'",
				s);
	}
	return 0;
}

/* One `WORD VALUE` pair into fs. */
static int flow_parse_pair(const char *word, enum flow_word bit,
			   const char *val, struct flow_spec *fs, char *err,
			   size_t errlen)
{
	uint32_t v;

	switch (bit) {
	case FLOW_W_SMAC:
	case FLOW_W_DMAC:
		if (mac_parse(val, bit == FLOW_W_SMAC ? fs->smac : fs->dmac))
			return flow_err(err, errlen,
					"%s: expected a MAC address like "
					"02:00:00:00:00:01, got '%s'",
					word, val);
		return 0;
	case FLOW_W_VLAN:
		if (parse_u32(val, 0, 4095, &v))
			return flow_err(err, errlen,
					"vlan: expected a VLAN id 0..4095, "
					"got '%s'",
					val);
		fs->has_vlan = true;
		fs->vlan = (uint16_t)v;
		return 0;
	case FLOW_W_PROTO:
		return flow_parse_proto(val, fs, err, errlen);
	case FLOW_W_SRC:
		return flow_parse_ip(word, val, &fs->family, fs->src, err,
				     errlen);
	case FLOW_W_DST:
		return flow_parse_ip(word, val, &fs->dst_family, fs->dst, err,
				     errlen);
	case FLOW_W_SPORT:
		fs->has_sport = true;
		return flow_parse_port(word, val, &fs->sport, err, errlen);
	case FLOW_W_DPORT:
		fs->has_dport = true;
		return flow_parse_port(word, val, &fs->dport, err, errlen);
	}
	return -EINVAL;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The IPv4 header checksum (RFC 791). */
static uint16_t ipv4_csum(const uint8_t *h)
{
	uint32_t sum = 0;

	for (int i = 0; i < IPV4_HLEN; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The L4 header fs asks for at p; returns its length. */
static size_t flow_put_l4(const struct flow_spec *fs, uint8_t proto, uint8_t *p)
{
	size_t l4len;
	int poff;

	if (proto == 6) {
		l4len = 20;
		memset(p, 0, l4len);
		put16(p, fs->sport);
		put16(p + 2, fs->dport);
		p[12] = 5 << 4; /* data offset */
		p[13] = 0x02;	/* SYN */
		return l4len;
	}
	if (proto == 17) {
		l4len = 8;
		memset(p, 0, l4len);
		put16(p, fs->sport);
		put16(p + 2, fs->dport);
		put16(p + 4, (uint16_t)l4len);
		return l4len;
	}
	if ((proto == 1 && fs->family == AF_INET) ||
	    (proto == 58 && fs->family == AF_INET6)) {
		l4len = 8; /* echo request, id 0, seq 0 */
		memset(p, 0, l4len);
		p[0] = proto == 1 ? 8 : 128;
		return l4len;
	}
	poff = flow_port_offset(proto);
	l4len = poff == 4 ? 12 : 8;
	memset(p, 0, l4len);
	if (poff >= 0) {
		put16(p + poff, fs->sport);
		put16(p + poff + 2, fs->dport);
	}
	return l4len;
}

static int flow_build(const struct flow_spec *fs, uint8_t *frame, size_t cap,
		      size_t *len, char *err, size_t errlen)
{
	uint8_t proto = fs->icmp ? (fs->family == AF_INET ? 1 : 58) : fs->proto;
	uint8_t buf[FLOW_SPEC_BUILT_MAX];
	uint8_t *ip;
	size_t off = 0, iplen, l4len;

	if ((fs->has_sport || fs->has_dport) && flow_port_offset(proto) < 0)
		return flow_err(err, errlen, "%s: protocol %u carries no ports",
				fs->has_sport ? "sport" : "dport", proto);

	memcpy(buf, fs->dmac, 6);
	memcpy(buf + 6, fs->smac, 6);
	off = 12;
	if (fs->has_vlan) {
		put16(buf + off, 0x8100);
		put16(buf + off + 2, fs->vlan);
		off += VLAN_HLEN_;
	}
	put16(buf + off, fs->family == AF_INET ? 0x0800 : 0x86dd);
	off += 2;
	ip = buf + off;
	iplen = fs->family == AF_INET ? IPV4_HLEN : IPV6_HLEN;
	l4len = flow_put_l4(fs, proto, ip + iplen);
	if (fs->family == AF_INET) {
		memset(ip, 0, IPV4_HLEN);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(IPV4_HLEN + l4len));
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, fs->src, 4);
		memcpy(ip + 16, fs->dst, 4);
		put16(ip + 10, ipv4_csum(ip));
	} else {
		memset(ip, 0, IPV6_HLEN);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)l4len);
		ip[6] = proto;
		ip[7] = 64;
		memcpy(ip + 8, fs->src, 16);
		memcpy(ip + 24, fs->dst, 16);
	}
	off += iplen + l4len;
	if (off > cap)
		return flow_err(
		    err, errlen,
		    "the frame (%zu bytes) does not fit the %zu-byte "
		    "buffer",
		    off, cap);
	memcpy(frame, buf, off);
	*len = off;
	return 0;
}

/* `hex W...`: every word is hex bytes of one frame. */
static int flow_parse_hex(int argc, char **argv, uint8_t *frame, size_t cap,
			  size_t *len, char *err, size_t errlen)
{
	size_t n = 0;

	if (argc < 1)
		return flow_err(err, errlen,
				"hex: expected the frame's bytes in hex");
	for (int i = 0; i < argc; i++) {
		int r = hex_parse(argv[i], frame + n, cap - n);

		if (r == -E2BIG)
			return flow_err(err, errlen,
					"hex: the frame is longer than %zu "
					"bytes",
					cap);
		if (r < 0)
			return flow_err(err, errlen,
					"hex: expected hex bytes (like "
					"0200000000020200...), got '%s'",
					argv[i]);
		n += (size_t)r;
	}
	if (!n)
		return flow_err(err, errlen,
				"hex: expected the frame's bytes in hex");
	*len = n;
	return 0;
}

int flow_spec_parse(int argc, char **argv, uint8_t *frame, size_t cap,
		    size_t *len, char *err, size_t errlen)
{
	struct flow_spec fs = {
	    .smac = {0x02, 0, 0, 0, 0, 0x01},
	    .dmac = {0x02, 0, 0, 0, 0, 0x02},
	    .proto = 6,
	};

	if (argc < 1)
		return flow_err(err, errlen, "expected a FLOW: " FLOW_USAGE);
	if (!strcmp(argv[0], "hex"))
		return flow_parse_hex(argc - 1, argv + 1, frame, cap, len, err,
				      errlen);
	for (int i = 0; i < argc; i += 2) {
		const char *word = argv[i];
		enum flow_word bit = 0;

		for (size_t k = 0; k < ARRAY_SIZE(flow_words); k++)
			if (!strcmp(word, flow_words[k].name))
				bit = flow_words[k].bit;
		if (!strcmp(word, "hex"))
			return flow_err(err, errlen,
					"hex: must be the first word, and the "
					"only kind (a whole frame)");
		if (!bit)
			return flow_err(err, errlen,
					"unknown word '%s': expected smac, "
					"dmac, vlan, proto, src, dst, sport, "
					"dport or hex",
					word);
		if (fs.seen & bit)
			return flow_err(err, errlen, "%s: given twice", word);
		if (i + 1 >= argc)
			return flow_err(err, errlen, "%s: expected a value",
					word);
		if (flow_parse_pair(word, bit, argv[i + 1], &fs, err, errlen))
			return -EINVAL;
		fs.seen |= bit;
	}
	if (!(fs.seen & FLOW_W_SRC))
		return flow_err(err, errlen,
				"src: missing; expected " FLOW_USAGE);
	if (!(fs.seen & FLOW_W_DST))
		return flow_err(err, errlen,
				"dst: missing; expected " FLOW_USAGE);
	if (fs.dst_family != fs.family)
		return flow_err(err, errlen,
				"dst: not of the same address family (IPv%d) "
				"as src",
				fs.family == AF_INET ? 4 : 6);
	return flow_build(&fs, frame, cap, len, err, errlen);
}
