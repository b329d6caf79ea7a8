/* tc-flower's words <-> a rule (flower.h). */
#include "flow/flower.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "bpf/vflag_flow.h"
#include "common/util.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int parse_name(const char *s, char *out)
{
	size_t n = strlen(s);

	if (n == 0 || n >= FLOWER_NAME_MAX || strchr(s, '/') || s[0] == '-')
		return -EINVAL;
	memcpy(out, s, n + 1);
	return 0;
}

static int parse_mac_mask(const char *s, uint8_t mac[6], uint8_t mask[6])
{
	char buf[64];
	char *slash;
	uint32_t len;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	memset(mask, 0xff, 6);
	if (slash) {
		*slash++ = 0;
		if (strchr(slash, ':')) {
			if (mac_parse(slash, mask))
				return -EINVAL;
		} else {
			if (parse_u32(slash, 0, 48, &len))
				return -EINVAL;
			for (unsigned i = 0; i < 6; i++) {
				unsigned bits = len > 8 * i ? len - 8 * i : 0;

				mask[i] = bits >= 8 ? 0xff
						    : (uint8_t)(0xff00 >> bits);
			}
		}
	}
	if (mac_parse(buf, mac))
		return -EINVAL;
	for (unsigned i = 0; i < 6; i++)
		mac[i] &= mask[i];
	return 0;
}

/* ADDR[/LEN]: family 4 or 6 into *family; words are network order. */
static int parse_prefix(const char *s, int *family, uint32_t addr[4],
			uint32_t mask[4])
{
	char buf[64];
	char *slash;
	uint32_t len, max;
	uint8_t a[16] = {0}, m[16] = {0};

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	if (inet_pton(AF_INET, buf, a) == 1) {
		*family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, a) == 1) {
		*family = 6;
		max = 128;
	} else {
		return -EINVAL;
	}
	len = max;
	if (slash && parse_u32(slash, 0, max, &len))
		return -EINVAL;
	for (unsigned i = 0; i < max / 8; i++) {
		unsigned bits = len > 8 * i ? len - 8 * i : 0;

		m[i] = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
		a[i] &= m[i];
	}
	memcpy(addr, a, 16);
	memcpy(mask, m, 16);
	return 0;
}

static const struct {
	const char *name;
	uint16_t type;
} eth_types[] = {
    {"ipv4", VFLAG_ETH_P_IPV4},	     {"ip", VFLAG_ETH_P_IPV4},
    {"ipv6", VFLAG_ETH_P_IPV6},	     {"arp", VFLAG_ETH_P_ARP},
    {"802.1Q", VFLAG_ETH_P_8021Q},   {"802.1q", VFLAG_ETH_P_8021Q},
    {"802.1ad", VFLAG_ETH_P_8021AD},
};

static const struct {
	const char *name;
	uint8_t proto;
} ip_protos[] = {
    {"tcp", VFLAG_IPPROTO_TCP},	  {"udp", VFLAG_IPPROTO_UDP},
    {"icmp", VFLAG_IPPROTO_ICMP}, {"icmpv6", VFLAG_IPPROTO_ICMPV6},
    {"sctp", VFLAG_IPPROTO_SCTP},
};

static int parse_eth_type(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v;

	for (size_t i = 0; i < ARRAY_SIZE(eth_types); i++)
		if (!strcmp(s, eth_types[i].name)) {
			*out = eth_types[i].type;
			return 0;
		}
	if (strncmp(s, "0x", 2) && strncmp(s, "0X", 2))
		return -EINVAL;
	errno = 0;
	v = strtoul(s + 2, &end, 16);
	if (errno || *end || end == s + 2 || v < 0x600 || v > 0xffff)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

static int parse_ip_proto(const char *s, uint8_t *out)
{
	uint32_t v;

	for (size_t i = 0; i < ARRAY_SIZE(ip_protos); i++)
		if (!strcmp(s, ip_protos[i].name)) {
			*out = ip_protos[i].proto;
			return 0;
		}
	if (parse_u32(s, 0, 255, &v))
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}

/* The words of one `action`; *i at the word after `action`. */
static int parse_action(int argc, char *const *argv, int *i,
			struct flower_rule *r, char *err, size_t errlen)
{
	const char *a = argv[*i];
	uint32_t v;

	if (r->actions & (VFLAG_FLOW_ACT_DROP | VFLAG_FLOW_ACT_REDIRECT))
		return fail(err, errlen,
			    "action %s: nothing may follow drop or "
			    "redirect",
			    a);
	if (!strcmp(a, "drop")) {
		r->actions |= VFLAG_FLOW_ACT_DROP;
		(*i)++;
		return 0;
	}
	if (!strcmp(a, "mirred")) {
		if (*i + 4 >= argc || strcmp(argv[*i + 1], "egress") ||
		    strcmp(argv[*i + 2], "redirect") ||
		    strcmp(argv[*i + 3], "dev"))
			return fail(err, errlen,
				    "action mirred: expected `mirred egress "
				    "redirect dev PORT` (mirror and ingress "
				    "are not offloaded)");
		if (parse_name(argv[*i + 4], r->out_dev))
			return fail(err, errlen,
				    "action mirred: bad port name \"%s\"",
				    argv[*i + 4]);
		r->actions |= VFLAG_FLOW_ACT_REDIRECT;
		*i += 5;
		return 0;
	}
	if (strcmp(a, "vlan"))
		return fail(err, errlen,
			    "action \"%s\": expected drop, mirred, or vlan", a);
	if (*i + 1 >= argc)
		return fail(err, errlen, "action vlan: expected pop or push");
	if (!strcmp(argv[*i + 1], "pop")) {
		if (r->actions & VFLAG_FLOW_ACT_VLAN_POP)
			return fail(err, errlen,
				    "action vlan pop: given twice");
		if (r->actions & VFLAG_FLOW_ACT_VLAN_PUSH)
			return fail(err, errlen,
				    "action vlan pop: after vlan push is not "
				    "offloaded (the eswitch pops first: "
				    "write vlan pop first)");
		r->actions |= VFLAG_FLOW_ACT_VLAN_POP;
		*i += 2;
		return 0;
	}
	if (strcmp(argv[*i + 1], "push"))
		return fail(err, errlen,
			    "action vlan \"%s\": expected pop or push",
			    argv[*i + 1]);
	if (r->actions & VFLAG_FLOW_ACT_VLAN_PUSH)
		return fail(err, errlen, "action vlan push: given twice");
	*i += 2;
	r->vlan_proto = VFLAG_ETH_P_8021Q;
	if (*i + 1 >= argc || strcmp(argv[*i], "id") ||
	    parse_u32(argv[*i + 1], 1, 4094, &v))
		return fail(err, errlen,
			    "action vlan push: expected id N (1..4094)%s%s",
			    *i + 1 < argc ? ", not " : "",
			    *i + 1 < argc ? argv[*i + 1] : "");
	r->vlan_id = (uint16_t)v;
	*i += 2;
	while (*i < argc) {
		if (!strcmp(argv[*i], "protocol") && *i + 1 < argc) {
			const char *p = argv[*i + 1];

			if (!strcmp(p, "802.1Q") || !strcmp(p, "802.1q"))
				r->vlan_proto = VFLAG_ETH_P_8021Q;
			else if (!strcmp(p, "802.1ad"))
				r->vlan_proto = VFLAG_ETH_P_8021AD;
			else
				return fail(err, errlen,
					    "vlan push protocol \"%s\": "
					    "expected 802.1Q or 802.1ad",
					    p);
		} else if (!strcmp(argv[*i], "priority") && *i + 1 < argc) {
			if (parse_u32(argv[*i + 1], 0, 7, &v))
				return fail(err, errlen,
					    "vlan push priority \"%s\": "
					    "expected 0..7",
					    argv[*i + 1]);
			r->vlan_prio = (uint8_t)v;
		} else {
			break;
		}
		*i += 2;
	}
	r->actions |= VFLAG_FLOW_ACT_VLAN_PUSH;
	return 0;
}

enum {
	SEEN_SRC_MAC = 1 << 0,
	SEEN_DST_MAC = 1 << 1,
	SEEN_VLAN = 1 << 2,
	SEEN_ETH_TYPE = 1 << 3,
	SEEN_IP_PROTO = 1 << 4,
	SEEN_SRC_IP = 1 << 5,
	SEEN_DST_IP = 1 << 6,
	SEEN_SRC_PORT = 1 << 7,
	SEEN_DST_PORT = 1 << 8,
};

static const char *const match_words[] = {
    "src_mac", "dst_mac", "vlan_id",  "eth_type", "ip_proto",
    "src_ip",  "dst_ip",  "src_port", "dst_port",
};

/* The checks tc makes across fields, once all are read. */
static int check_match(const struct flower_rule *r, unsigned seen,
		       int ip_family, char *err, size_t errlen)
{
	uint16_t et = r->key.eth_type;
	uint8_t pr = r->key.ip_proto;

	if ((seen & (SEEN_IP_PROTO | SEEN_SRC_IP | SEEN_DST_IP)) &&
	    (!(seen & SEEN_ETH_TYPE) ||
	     (et != VFLAG_ETH_P_IPV4 && et != VFLAG_ETH_P_IPV6)))
		return fail(err, errlen,
			    "%s: needs eth_type ipv4 or ipv6 first (as tc)",
			    (seen & SEEN_IP_PROTO) ? "ip_proto"
			    : (seen & SEEN_SRC_IP) ? "src_ip"
						   : "dst_ip");
	if (ip_family && (ip_family == 4) != (et == VFLAG_ETH_P_IPV4))
		return fail(err, errlen,
			    "address family of src_ip/dst_ip does not match "
			    "eth_type %s",
			    et == VFLAG_ETH_P_IPV4 ? "ipv4" : "ipv6");
	if ((seen & (SEEN_SRC_PORT | SEEN_DST_PORT)) &&
	    (!(seen & SEEN_IP_PROTO) ||
	     (pr != VFLAG_IPPROTO_TCP && pr != VFLAG_IPPROTO_UDP &&
	      pr != VFLAG_IPPROTO_SCTP)))
		return fail(err, errlen,
			    "%s: needs ip_proto tcp, udp or sctp (as tc)",
			    (seen & SEEN_SRC_PORT) ? "src_port" : "dst_port");
	return 0;
}

static int parse_match(int argc, char *const *argv, int *i,
		       struct flower_rule *r, char *err, size_t errlen)
{
	unsigned seen = 0;
	int ip_family = 0;

	while (*i < argc && strcmp(argv[*i], "action")) {
		const char *w = argv[*i], *v;
		unsigned bit = 0;
		uint32_t n;
		uint16_t et;
		int fam;

		for (size_t k = 0; k < ARRAY_SIZE(match_words); k++)
			if (!strcmp(w, match_words[k]))
				bit = 1u << k;
		if (!bit)
			return fail(err, errlen,
				    "unknown flower word \"%s\" (expected "
				    "src_mac, dst_mac, vlan_id, eth_type, "
				    "ip_proto, src_ip, dst_ip, src_port, "
				    "dst_port or action)",
				    w);
		if (seen & bit)
			return fail(err, errlen, "%s: given twice", w);
		if (*i + 1 >= argc)
			return fail(err, errlen, "%s: value missing", w);
		v = argv[*i + 1];
		seen |= bit;
		switch (bit) {
		case SEEN_SRC_MAC:
		case SEEN_DST_MAC:
			if (parse_mac_mask(v,
					   bit == SEEN_SRC_MAC ? r->key.src
							       : r->key.dst,
					   bit == SEEN_SRC_MAC ? r->mask.src
							       : r->mask.dst))
				return fail(err, errlen,
					    "%s \"%s\": expected MAC, "
					    "MAC/MASK or MAC/LEN",
					    w, v);
			break;
		case SEEN_VLAN:
			if (parse_u32(v, 1, 4094, &n))
				return fail(err, errlen,
					    "vlan_id \"%s\": expected 1..4094",
					    v);
			r->key.vlan_tci =
			    (uint16_t)(n | VFLAG_FLOW_VLAN_PRESENT);
			r->mask.vlan_tci =
			    VFLAG_FLOW_VLAN_PRESENT | VFLAG_FRAME_VID_MASK;
			break;
		case SEEN_ETH_TYPE:
			if (parse_eth_type(v, &et))
				return fail(err, errlen,
					    "eth_type \"%s\": expected ipv4, "
					    "ipv6, arp, 802.1Q, 802.1ad or "
					    "0xHHHH",
					    v);
			if (vflag_frame_is_tpid(et)) {
				/* Tagged: the key's eth_type is after tags. */
				if (seen & SEEN_VLAN)
					break;
				r->key.vlan_tci = VFLAG_FLOW_VLAN_PRESENT;
				r->mask.vlan_tci = VFLAG_FLOW_VLAN_PRESENT;
				seen &= ~SEEN_ETH_TYPE;
				break;
			}
			r->key.eth_type = et;
			r->mask.eth_type = 0xffff;
			break;
		case SEEN_IP_PROTO:
			if (parse_ip_proto(v, &r->key.ip_proto))
				return fail(err, errlen,
					    "ip_proto \"%s\": expected tcp, "
					    "udp, icmp, icmpv6, sctp or 0..255",
					    v);
			r->mask.ip_proto = 0xff;
			break;
		case SEEN_SRC_IP:
		case SEEN_DST_IP:
			if (parse_prefix(v, &fam,
					 bit == SEEN_SRC_IP ? r->key.src_ip
							    : r->key.dst_ip,
					 bit == SEEN_SRC_IP ? r->mask.src_ip
							    : r->mask.dst_ip))
				return fail(err, errlen,
					    "%s \"%s\": expected an IPv4 or "
					    "IPv6 address or prefix",
					    w, v);
			if (ip_family && ip_family != fam)
				return fail(err, errlen,
					    "%s \"%s\": src_ip and dst_ip of "
					    "different families",
					    w, v);
			ip_family = fam;
			break;
		case SEEN_SRC_PORT:
		case SEEN_DST_PORT:
			if (parse_u32(v, 0, 65535, &n))
				return fail(err, errlen,
					    "%s \"%s\": expected 0..65535", w,
					    v);
			if (bit == SEEN_SRC_PORT) {
				r->key.src_port = htons((uint16_t)n);
				r->mask.src_port = 0xffff;
			} else {
				r->key.dst_port = htons((uint16_t)n);
				r->mask.dst_port = 0xffff;
			}
			break;
		}
		*i += 2;
	}
	return check_match(r, seen, ip_family, err, errlen);
}

int flower_parse(int argc, char *const *argv, struct flower_rule *r, char *err,
		 size_t errlen)
{
	int i = 0, ret;
	uint32_t n;

	memset(r, 0, sizeof(*r));
	if (errlen)
		err[0] = 0;
	if (argc < 2 || strcmp(argv[0], "dev"))
		return fail(err, errlen, "expected dev PORT first");
	if (parse_name(argv[1], r->dev))
		return fail(err, errlen, "dev: bad port name \"%s\"", argv[1]);
	i = 2;
	while (i < argc && strcmp(argv[i], "flower")) {
		const char *w = argv[i];
		uint32_t max = !strcmp(w, "prio")     ? FLOWER_PRIO_MAX
			       : !strcmp(w, "chain")  ? 0xffffffffu
			       : !strcmp(w, "handle") ? 0x7fffffffu
						      : 0;

		if (!max)
			return fail(err, errlen,
				    "unknown word \"%s\" (expected prio, "
				    "chain, handle or flower)",
				    w);
		if (i + 1 >= argc ||
		    parse_u32(argv[i + 1], !strcmp(w, "chain") ? 0 : 1, max,
			      &n))
			return fail(err, errlen, "%s \"%s\": expected %s", w,
				    i + 1 < argc ? argv[i + 1] : "",
				    !strcmp(w, "prio")	  ? "1..65535"
				    : !strcmp(w, "chain") ? "a number"
							  : "1..2147483647");
		if (!strcmp(w, "prio"))
			r->prio = n;
		else if (!strcmp(w, "chain"))
			r->chain = n;
		else
			r->handle = n;
		i += 2;
	}
	if (i >= argc)
		return fail(err, errlen, "expected flower after dev %s",
			    r->dev);
	i++;
	ret = parse_match(argc, argv, &i, r, err, errlen);
	if (ret)
		return ret;
	if (i >= argc)
		return fail(err, errlen,
			    "expected action (drop, mirred egress redirect "
			    "dev PORT, vlan push id N, vlan pop)");
	while (i < argc) {
		if (strcmp(argv[i], "action"))
			return fail(err, errlen,
				    "unexpected \"%s\" (expected action)",
				    argv[i]);
		if (++i >= argc)
			return fail(err, errlen, "action: what action?");
		ret = parse_action(argc, argv, &i, r, err, errlen);
		if (ret)
			return ret;
		/* tc's control words after an action. */
		if (i < argc && !strcmp(argv[i], "pipe")) {
			if (r->actions &
			    (VFLAG_FLOW_ACT_DROP | VFLAG_FLOW_ACT_REDIRECT))
				return fail(err, errlen,
					    "pipe: nothing may follow drop "
					    "or redirect");
			i++;
		}
	}
	return 0;
}

/* --- back to words --- */

struct out {
	char *buf;
	size_t len;
	int n;
};

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t at = (size_t)o->n < o->len ? (size_t)o->n : o->len;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(o->buf ? o->buf + at : NULL, o->len - at, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->n += k;
}

static int prefix_len(const uint8_t *m, unsigned bytes)
{
	int n = 0;

	for (unsigned i = 0; i < bytes; i++) {
		uint8_t b = m[i];

		while (b & 0x80) {
			n++;
			b = (uint8_t)(b << 1);
		}
		if (m[i] != 0xff) {
			/* Not a prefix if anything follows the hole. */
			for (unsigned j = i; j < bytes; j++)
				if ((j == i &&
				     (uint8_t)(m[i] << (n % 8)) != 0) ||
				    (j > i && m[j]))
					return -1;
			break;
		}
	}
	return n;
}

static void put_mac(struct out *o, const char *w, const uint8_t *v,
		    const uint8_t *m)
{
	char a[MAC_STR_LEN], b[MAC_STR_LEN];
	int n = prefix_len(m, 6);

	if (n == 0 && !memcmp(m, "\0\0\0\0\0", 6))
		return;
	if (n == 48)
		put(o, " %s %s", w, mac_format(v, a));
	else
		put(o, " %s %s/%s", w, mac_format(v, a), mac_format(m, b));
}

static void put_ip(struct out *o, const char *w, bool v4, const uint32_t *v,
		   const uint32_t *m)
{
	char a[INET6_ADDRSTRLEN];
	unsigned bytes = v4 ? 4 : 16;
	int n = prefix_len((const uint8_t *)m, bytes);
	static const uint8_t zero[16];

	if (!memcmp(m, zero, bytes))
		return;
	inet_ntop(v4 ? AF_INET : AF_INET6, v, a, sizeof(a));
	if (n == (int)bytes * 8)
		put(o, " %s %s", w, a);
	else if (n >= 0)
		put(o, " %s %s/%d", w, a, n);
	else
		put(o, " %s %s/?", w, a); /* not a prefix: never parsed */
}

int flower_format_match(const struct vflag_flow_key *key,
			const struct vflag_flow_key *mask, char *buf,
			size_t len)
{
	struct out o = {.buf = buf, .len = len};
	bool v4 = key->eth_type == VFLAG_ETH_P_IPV4;
	const char *pname = NULL;

	if (len)
		buf[0] = 0;
	put_mac(&o, "src_mac", key->src, mask->src);
	put_mac(&o, "dst_mac", key->dst, mask->dst);
	if (mask->vlan_tci & VFLAG_FRAME_VID_MASK)
		put(&o, " vlan_id %u", key->vlan_tci & VFLAG_FRAME_VID_MASK);
	else if (mask->vlan_tci & key->vlan_tci & VFLAG_FLOW_VLAN_PRESENT)
		put(&o, " eth_type 802.1Q");
	if (mask->eth_type) {
		const char *name = NULL;

		for (size_t i = 0; i < ARRAY_SIZE(eth_types); i++)
			if (eth_types[i].type == key->eth_type && !name &&
			    strcmp(eth_types[i].name, "ip"))
				name = eth_types[i].name;
		if (name)
			put(&o, " eth_type %s", name);
		else
			put(&o, " eth_type 0x%04x", key->eth_type);
	}
	if (mask->ip_proto) {
		for (size_t i = 0; i < ARRAY_SIZE(ip_protos); i++)
			if (ip_protos[i].proto == key->ip_proto)
				pname = ip_protos[i].name;
		if (pname)
			put(&o, " ip_proto %s", pname);
		else
			put(&o, " ip_proto %u", key->ip_proto);
	}
	put_ip(&o, "src_ip", v4, key->src_ip, mask->src_ip);
	put_ip(&o, "dst_ip", v4, key->dst_ip, mask->dst_ip);
	if (mask->src_port)
		put(&o, " src_port %u", ntohs(key->src_port));
	if (mask->dst_port)
		put(&o, " dst_port %u", ntohs(key->dst_port));
	/* Without the leading space. */
	if (o.n > 0 && len) {
		size_t n = strlen(buf);

		memmove(buf, buf + 1, n);
	}
	return o.n > 0 ? o.n - 1 : 0;
}

int flower_format_actions(const struct flower_rule *r, char *buf, size_t len)
{
	struct out o = {.buf = buf, .len = len};
	const char *sep = "";

	if (len)
		buf[0] = 0;
	if (r->actions & VFLAG_FLOW_ACT_VLAN_POP) {
		put(&o, "vlan pop");
		sep = " | ";
	}
	if (r->actions & VFLAG_FLOW_ACT_VLAN_PUSH) {
		put(&o, "%svlan push id %u protocol %s priority %u", sep,
		    r->vlan_id,
		    r->vlan_proto == VFLAG_ETH_P_8021AD ? "802.1ad" : "802.1Q",
		    r->vlan_prio);
		sep = " | ";
	}
	if (r->actions & VFLAG_FLOW_ACT_DROP)
		put(&o, "%sdrop", sep);
	else if (r->actions & VFLAG_FLOW_ACT_REDIRECT)
		put(&o, "%smirred egress redirect dev %s", sep, r->out_dev);
	return o.n;
}

bool flower_mask_valid(const struct vflag_flow_key *mask)
{
	return !mask->pad[0] && !mask->pad[1] && !mask->pad[2] && !mask->pad2;
}
